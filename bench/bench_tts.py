"""Offline news reader speed on a ~2,000-character Vietnamese article.

    .venv/bin/python bench/bench_tts.py [--repeat 5] [--engine offline]

Prints time to the first audio byte (target <= 0.5 s), the whole-article real-time factor
(synthesis time / audio duration, target <= 0.05) and the cached replay time. The median of
`--repeat` runs is shown, because the machine is shared and single runs are noisy.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tts  # noqa: E402

ARTICLE = """\
Hà Nội triển khai Nghị quyết số 21-NQ/TW về tăng cường củng cố, xây dựng tổ chức cơ sở đảng
(TTTĐ) - Sáng 22/12/2022, Ban Thường vụ Thành ủy Hà Nội tổ chức hội nghị quán triệt, triển khai Nghị quyết số 21-NQ/TW của Hội nghị lần thứ 5 Ban Chấp hành T.Ư Đảng khóa XIII. Dự hội nghị có hơn 1.200 đại biểu tại điểm cầu chính và 30 điểm cầu quận, huyện, thị xã.
Theo báo cáo, đến ngày 30/11, toàn thành phố có 2.482 tổ chức cơ sở đảng với hơn 470.000 đảng viên, tăng 3,5% so với năm 2021. Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ đạt 92,7%; 15 đảng bộ được UBND TP. Hà Nội và HĐND thành phố khen thưởng.
Phát biểu chỉ đạo, đồng chí Bí thư Thành ủy nhấn mạnh: tổ chức cơ sở đảng là nền tảng của Đảng, là hạt nhân chính trị ở cơ sở. Các cấp ủy cần cụ thể hóa nghị quyết bằng chương trình, kế hoạch sát với thực tiễn, hoàn thành trước ngày 15/3/2023.
Thành phố dành 14 tỷ đồng cho công tác bồi dưỡng cán bộ cơ sở trong giai đoạn 2023 - 2025, trong đó 3,2 tỷ đồng cho các lớp học tại Q.1 và các phường trung tâm. MTTQ và các đoàn thể chính trị - xã hội sẽ giám sát việc thực hiện, báo cáo định kỳ vào 10h30 thứ 2 đầu mỗi tháng.
Hội nghị cũng thông qua Kế hoạch số 27/KH-TU về học tập chuyên đề năm 2023 và Quyết định số 1234/QĐ-UBND về kiện toàn Ban Chỉ đạo. Thông tin chi tiết được đăng tải tại https://hanoi.gov.vn/tin-tuc và trên Cổng thông tin điện tử của ĐCSVN.
Cũng tại hội nghị, đại diện Đảng ủy phường Hàng Bạc chia sẻ kinh nghiệm: từ tháng 4/2022, phường tổ chức sinh hoạt chi bộ định kỳ vào ngày 5 hằng tháng, mỗi buổi kéo dài khoảng 90 phút, với tỷ lệ đảng viên tham dự đạt 98,5%. Nhờ vậy, hơn 250 ý kiến của nhân dân được giải quyết kịp thời, 12 mô hình "dân vận khéo" được nhân rộng ra các khu dân cư.
Kết thúc hội nghị, các đại biểu thống nhất ra nghị quyết chuyên đề, phấn đấu đến năm 2025 có trên 95% tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ, góp phần xây dựng Thủ đô văn hiến, văn minh, hiện đại.
"""


def run_once(engine: str, cache) -> tuple[float, float, bytes]:
    started = time.perf_counter()
    chunks = tts.stream(ARTICLE, engine=engine, cache=cache)
    first = next(chunks)
    first_at = time.perf_counter() - started
    data = first + b"".join(chunks)
    return first_at, time.perf_counter() - started, data


def duration(mp3: bytes) -> float:
    try:
        import miniaudio
        return miniaudio.decode(mp3, nchannels=1, sample_rate=tts.SAMPLE_RATE).duration
    except ImportError:
        # 48 kbps constant bit rate: bytes are time.
        return len(mp3) * 8 / 48000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engine", default="offline")
    args = parser.parse_args()

    started = time.perf_counter()
    tts.warm_up()
    warm = time.perf_counter() - started
    started = time.perf_counter()
    spoken = tts.normalize(ARTICLE)
    norm = time.perf_counter() - started

    firsts, totals = [], []
    for _ in range(args.repeat):
        first, total, data = run_once(args.engine, cache=False)
        firsts.append(first)
        totals.append(total)
    seconds = duration(data)

    replays = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = tts.AudioCache(tmp)
        run_once(args.engine, cache)
        for _ in range(args.repeat):
            replays.append(run_once(args.engine, cache)[1])

    first, total, replay = map(statistics.median, (firsts, totals, replays))
    rows = [
        ("article", f"{len(ARTICLE)} chars, {len(tts.split_sentences(spoken))} sentences, "
                    f"{len(spoken.split())} syllables"),
        ("audio", f"{seconds:.1f} s, {len(data) / 1024:.0f} KiB MP3"),
        ("normalizer load (once)", f"{warm * 1000:.0f} ms"),
        ("normalize article", f"{norm * 1000:.0f} ms"),
        ("first audio byte", f"{first * 1000:.0f} ms   (target <= 500 ms)"),
        ("whole article", f"{total:.2f} s"),
        ("real-time factor", f"{total / seconds:.4f}   (target <= 0.05)"),
        ("cached replay", f"{replay * 1000:.1f} ms"),
    ]
    print(f"engine={args.engine}  runs={args.repeat} (median)")
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
