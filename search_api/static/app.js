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

  function setupPlayers() {
    var buttons = document.querySelectorAll("[data-play]");
    Array.prototype.forEach.call(buttons, function (button) {
      var audio = document.getElementById(button.dataset.play);
      if (!audio) return;
      var idle = button.textContent;
      button.addEventListener("click", function () {
        if (!audio.paused) { audio.pause(); return; }
        // One voice at a time: starting an article stops the others.
        Array.prototype.forEach.call(document.querySelectorAll("audio"), function (other) {
          if (other !== audio) other.pause();
        });
        button.textContent = "Đang tải…";
        audio.play().catch(function () { button.textContent = idle; });
      });
      audio.addEventListener("playing", function () { button.textContent = "❚❚ Tạm dừng"; });
      audio.addEventListener("pause", function () { button.textContent = idle; });
      audio.addEventListener("ended", function () { button.textContent = idle; });
      audio.addEventListener("error", function () { button.textContent = "Không phát được, thử lại"; });
    });
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
      status.textContent = "Đang nạp, xin chờ…";
      button.disabled = true;
      fetch(form.action, { method: "POST", body: data, headers: { "Authorization": "Bearer " + token } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
        })
        .then(function (result) {
          if (!result.ok) {
            var messages = {
              401: "Mã biên tập không đúng.",
              403: "Chức năng biên tập đang tắt trên máy chủ.",
              413: "Tệp quá lớn so với giới hạn cho phép.",
              503: "Thư viện đang bận nạp dữ liệu khác, vui lòng thử lại sau."
            };
            status.textContent = messages[result.status] ||
              ("Không nạp được: " + ((result.body.error && result.body.error.message) || result.status));
            return;
          }
          status.textContent = "Đã nạp xong. Văn bản mới có thể tìm kiếm ngay.";
          showReport(result.body);
        })
        .catch(function () { status.textContent = "Mất kết nối tới máy chủ, vui lòng thử lại."; })
        .then(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTextSize();
    setupPlayers();
    setupEditor();
  });
})();
