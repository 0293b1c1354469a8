"""Mail: the outbox (queued in the caller's transaction) and its delivery over SMTP, outside any request."""
