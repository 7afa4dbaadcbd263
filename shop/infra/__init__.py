"""The shop's technical plumbing, beside the domain packages: the browser id, cookies, CSRF,
server-side sessions and the request log of every HTTP request; Redis, attempt counters,
all-or-nothing transactions, LIKE escaping, portable column types, readiness checks and
absolute URLs outside a request. No shop rule lives here."""
