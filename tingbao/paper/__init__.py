"""What an issue is: model, readers, layout analysis, OCR, clean-up, segmentation, store, settings.

Every input reaches one Block stream: `formats.py` is the one table of what is read and by which
reader; text and Markdown give blocks directly, .docx from its styles (`docx.py`), a text PDF
positioned words (`pdf.py`), a scan or photo OCR boxes (`ocr.py`, `image.py`); positioned input
goes through layout analysis (`layout/`) first. `segment.py` turns blocks into articles and the
contact box; `phone.py` is the one home of phone numbers. This part imports none of the others;
every other part imports it.
"""
