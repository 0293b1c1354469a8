"""Privacy by design: the processing register, the privacy statement, research participation, own data, erasure
and retention (docs/privacy.md). Domain code: no web framework here."""
