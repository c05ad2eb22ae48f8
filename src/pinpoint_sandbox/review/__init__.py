"""The content review's knowledge, as data and small helpers: text normalisation, language
detection, per-language vocabulary (`vocab/<lang>.yaml`), prohibited-content categories
(`content.yaml`), brand matching and use-case substance. The rules themselves are in
`review.lint`. Adding a language is adding `vocab/<code>.yaml` (and its countries in
`language.COUNTRY_LANGUAGES`).
"""
