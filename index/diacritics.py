"""Diacritics restored to a query typed without them, from the corpus's own statistics:
"nghi quyet ve chuyen doi so" -> "nghị quyết về chuyển đổi số". The statistics are those of the
passage keyword index (`KeywordIndex.accented_forms` and `document_frequency`).
"""
from __future__ import annotations

import math
import re

__all__ = ["restore_diacritics"]


def restore_diacritics(text: str, vocabulary, smoothing: float = 2.0) -> str:
    """The most likely accented reading of unaccented `text`, by the corpus's own statistics.

    Viterbi over the accented forms of each syllable, scored by how often adjacent pairs occur
    together in the corpus (chunk frequency of the accented bigram), backed off to how common
    each form is alone. Case and punctuation of the text are kept.
    """
    words = list(re.finditer(r"\w+", text))
    if not words:
        return text
    lattice: list[list[tuple[str, float]]] = []
    for m in words:
        token = m.group(0).lower()
        forms = vocabulary.accented_forms(token)[:8] if not token.isdigit() else []
        if not forms:
            lattice.append([(token, 1.0)])
            continue
        total = sum(df for _, df in forms)
        lattice.append([(form, df / total) for form, df in forms])

    # best[i][form] = (log score, back pointer: the form before it; "" in the first column)
    best: list[dict[str, tuple[float, str]]] = [{form: (math.log(p), "") for form, p in lattice[0]}]
    for i in range(1, len(lattice)):
        column = {}
        for form, p in lattice[i]:
            options = []
            for prev, (score, _) in best[i - 1].items():
                pair = vocabulary.document_frequency(f"{prev} {form}")
                prev_df = max(vocabulary.document_frequency(prev), 1)
                options.append((score + math.log((pair + smoothing * p) / (prev_df + smoothing)), prev))
            column[form] = max(options)
        best.append(column)
    form = max(best[-1], key=lambda f: best[-1][f][0])
    chosen = [form]
    for i in range(len(lattice) - 1, 0, -1):
        form = best[i][form][1]
        chosen.append(form)
    chosen.reverse()

    pieces, last = [], 0
    for m, form in zip(words, chosen, strict=True):
        pieces.append(text[last : m.start()])
        original = m.group(0)
        pieces.append(form.upper() if original.isupper() and len(original) > 1
                      else form[:1].upper() + form[1:] if original[:1].isupper() else form)
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces)
