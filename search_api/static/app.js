// Small progressive enhancements; every page except the editor works without this file.
(function () {
  "use strict";
  var SIZE_KEY = "sotay.textsize";
  var SIZES = 3;
  var root = document.documentElement;

  try {
    var saved = localStorage.getItem(SIZE_KEY);
    if (saved) root.dataset.textsize = saved;
  } catch (e) { /* private mode: the default size is fine */ }

  function setupTextSize() {
    var button = document.getElementById("textsize");
    if (!button) return;
    button.addEventListener("click", function () {
      var next = ((parseInt(root.dataset.textsize || "0", 10) || 0) + 1) % SIZES;
      root.dataset.textsize = String(next);
      try { localStorage.setItem(SIZE_KEY, String(next)); } catch (e) { /* not saved, still applied */ }
    });
  }

  function pauseOthers(audio) {
    // One voice at a time: starting an article stops the others.
    Array.prototype.forEach.call(document.querySelectorAll("audio"), function (other) {
      if (other !== audio) other.pause();
    });
  }

  function play(audio, button, idle) {
    pauseOthers(audio);
    button.textContent = "Đang tải…";
    audio.play().catch(function () { button.textContent = idle; });
  }

  function setupPlayers() {
    var buttons = document.querySelectorAll("[data-play]");
    Array.prototype.forEach.call(buttons, function (button) {
      var audio = document.getElementById(button.dataset.play);
      if (!audio) return;
      var idle = button.textContent;
      button.addEventListener("click", function () {
        if (!audio.paused) { audio.pause(); return; }
        play(audio, button, idle);
      });
      audio.addEventListener("playing", function () { button.textContent = "❚❚ Tạm dừng"; });
      audio.addEventListener("pause", function () { button.textContent = idle; });
      audio.addEventListener("ended", function () { button.textContent = idle; });
      audio.addEventListener("error", function () { button.textContent = "Không phát được, thử lại"; });
      if (audio.dataset.doc) rememberPosition(audio, button, idle);
    });
  }

  // Where the listener stopped in each article: a signed-in member's on the server (the page
  // says where, data-listening, and where they stopped, data-resume), so their phone and their
  // computer agree; a visitor's in this browser.
  var POSITIONS_KEY = "sotay.listening";
  var KEEP_POSITIONS = 200;
  var RESUME_FROM_S = 5;     // a few seconds in is no place worth going back to
  var SAVE_EVERY_MS = 5000;  // while playing; also at every pause and when the page is left

  function clock(seconds) {
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }

  function localPositions() {
    try { return JSON.parse(localStorage.getItem(POSITIONS_KEY) || "{}") || {}; } catch (e) { return {}; }
  }

  function keepLocal(positions) {
    var ids = Object.keys(positions);
    if (ids.length > KEEP_POSITIONS) {
      ids.sort(function (a, b) { return positions[a].at - positions[b].at; });
      ids.slice(0, ids.length - KEEP_POSITIONS).forEach(function (id) { delete positions[id]; });
    }
    try { localStorage.setItem(POSITIONS_KEY, JSON.stringify(positions)); } catch (e) { /* private mode */ }
  }

  function serverPositions(audio) {
    var url = audio.dataset.listening;
    var meta = document.querySelector('meta[name="csrf-token"]');
    // One request after another, so the forget sent at the end never lands before a save.
    var queue = Promise.resolve();
    function send(method, body, leaving) {
      var init = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": meta ? meta.content : "" } };
      if (body) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
      if (leaving) {
        // The page is going: the request must start now, and outlive it.
        init.keepalive = true;
        fetch(url, init).catch(function () {});
        return;
      }
      queue = queue.then(function () { return fetch(url, init); }).catch(function () { /* next save retries */ });
    }
    return {
      start: parseFloat(audio.dataset.resume || "0") || 0,
      save: function (seconds, leaving) { send("PUT", { seconds: seconds }, leaving); },
      forget: function () { send("DELETE"); }
    };
  }

  function browserPositions(audio) {
    var id = audio.dataset.doc;
    var kept = localPositions()[id];
    return {
      start: kept && typeof kept.s === "number" ? kept.s : 0,
      save: function (seconds) {
        var positions = localPositions();
        positions[id] = { s: seconds, at: Date.now() };
        keepLocal(positions);
      },
      forget: function () {
        var positions = localPositions();
        delete positions[id];
        keepLocal(positions);
      }
    };
  }

  function rememberPosition(audio, button, idle) {
    var store = audio.dataset.listening ? serverPositions(audio) : browserPositions(audio);
    var started = false;
    var lastSave = 0;
    var offer = null;

    function save(leaving) {
      // At the end, the pause comes just before "ended", which forgets the position instead.
      if (!started || audio.ended) return;
      lastSave = Date.now();
      store.save(Math.round(audio.currentTime * 10) / 10, leaving);
    }

    function withdrawOffer() {
      if (offer) { offer.parentNode.removeChild(offer); offer = null; }
    }

    if (store.start >= RESUME_FROM_S) {
      // "▶ Nghe" still starts from the beginning; this one goes on from where they stopped.
      offer = document.createElement("button");
      offer.type = "button";
      offer.className = "button secondary resume";
      offer.textContent = "Nghe tiếp từ " + clock(store.start);
      offer.addEventListener("click", function () {
        audio.currentTime = store.start;
        withdrawOffer();
        play(audio, button, idle);
      });
      button.parentNode.insertBefore(offer, button.nextSibling);
    }

    audio.addEventListener("playing", function () { started = true; withdrawOffer(); });
    audio.addEventListener("timeupdate", function () {
      if (!audio.paused && !audio.seeking && Date.now() - lastSave >= SAVE_EVERY_MS) save(false);
    });
    audio.addEventListener("pause", function () { save(false); });
    audio.addEventListener("ended", function () { if (started) store.forget(); });
    window.addEventListener("pagehide", function () { if (!audio.paused) save(true); });
  }

  var COLUMNS = ["Kết quả", "Văn bản / tệp", "Ghi chú"];

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    // On a phone the table is shown as cards; each value carries its own column name.
    td.dataset.label = COLUMNS[row.children.length];
    row.appendChild(td);
  }

  function showReport(report) {
    var rows = document.getElementById("rows");
    rows.textContent = "";
    var groups = [["added", "Đã thêm"], ["updated", "Đã cập nhật"], ["unchanged", "Không thay đổi"]];
    groups.forEach(function (group) {
      (report[group[0]] || []).forEach(function (docId) {
        var tr = document.createElement("tr");
        cell(tr, group[1]);
        cell(tr, docId);
        cell(tr, "");
        rows.appendChild(tr);
      });
    });
    (report.failed || []).forEach(function (failure) {
      var tr = document.createElement("tr");
      tr.className = "failed";
      cell(tr, "Lỗi");
      cell(tr, failure.path);
      cell(tr, failure.reason);
      rows.appendChild(tr);
    });
    document.getElementById("summary").textContent =
      (report.added || []).length + " thêm mới, " + (report.updated || []).length + " cập nhật, " +
      (report.unchanged || []).length + " không đổi, " + (report.failed || []).length + " lỗi.";
    document.getElementById("report").hidden = false;
  }

  function setupEditor() {
    var form = document.getElementById("upload");
    if (!form) return;
    var status = document.getElementById("status");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = document.getElementById("token").value.trim();
      // HTTP headers carry only plain ASCII; fetch() would refuse the request outright.
      if (/[^\x21-\x7e]/.test(token)) {
        status.textContent = "Mã biên tập chỉ gồm chữ không dấu, chữ số và ký hiệu, không có khoảng trắng.";
        return;
      }
      var data = new FormData();
      Array.prototype.forEach.call(document.getElementById("files").files, function (file) {
        data.append("files", file, file.name);
      });
      var doctype = document.getElementById("doctype").value.trim();
      if (doctype) data.append("type", doctype);
      status.textContent = "Đang gửi tệp…";
      button.disabled = true;
      var auth = { "Authorization": "Bearer " + token };
      fetch(form.action, { method: "POST", body: data, headers: auth })
        .then(readJson)
        .then(function (result) {
          if (!result.ok) {
            status.textContent = uploadError(result);
            button.disabled = false;
            return;
          }
          if (result.status === 200) {  // finished already (the API's ?wait=)
            finished(result.body);
            return;
          }
          // 202: the upload is a job; follow it until it is done (OCR of a scan takes minutes).
          status.textContent = "Đã nhận tệp, đang chờ nạp…";
          follow(result.body.status_url, auth);
        })
        .catch(function () {
          status.textContent = "Mất kết nối tới máy chủ, vui lòng thử lại.";
          button.disabled = false;
        });
    });

    function readJson(response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }

    function uploadError(result) {
      var messages = {
        401: "Mã biên tập không đúng.",
        403: "Chức năng biên tập đang tắt trên máy chủ.",
        413: "Tệp quá lớn so với giới hạn cho phép.",
        429: "Đã gửi quá nhiều lần, vui lòng chờ một lát.",
        503: "Thư viện đang bận nạp dữ liệu khác, vui lòng thử lại sau."
      };
      return messages[result.status] ||
        ("Không nạp được: " + ((result.body.error && result.body.error.message) || result.status));
    }

    function describe(job) {
      var p = job.progress || {};
      if (job.status === "queued") return "Đang chờ đến lượt nạp…";
      if (!p.stage) return "Đang đọc tệp…";
      if (p.stage.indexOf("OCR ") === 0) {
        return "Đang nhận dạng chữ " + p.stage.slice(4) + ": trang " + p.done + "/" + p.total;
      }
      if (p.total) return "Đang lập chỉ mục: " + p.done + "/" + p.total + " đoạn";
      return "Đang nạp…";
    }

    function follow(url, auth) {
      fetch(url, { headers: auth })
        .then(readJson)
        .then(function (result) {
          if (!result.ok) {
            status.textContent = uploadError(result);
            button.disabled = false;
            return;
          }
          var job = result.body;
          if (job.status === "done") {
            finished(job.report);
          } else if (job.status === "failed") {
            status.textContent = "Không nạp được: " + job.error;
            button.disabled = false;
          } else {
            status.textContent = describe(job);
            setTimeout(function () { follow(url, auth); }, 500);
          }
        })
        .catch(function () { setTimeout(function () { follow(url, auth); }, 3000); });
    }

    function finished(report) {
      status.textContent = "Đã nạp xong. Văn bản mới có thể tìm kiếm ngay.";
      showReport(report);
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTextSize();
    setupPlayers();
    setupEditor();
  });
})();
