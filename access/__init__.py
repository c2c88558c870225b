"""Who may sign in, and as what: users (Argon2id passwords), server-side sessions, throttled sign-in.

| module | what it holds |
|---|---|
| ``passwords`` | hashing and checking passwords (argon2-cffi, Argon2id, rehash when parameters change) |
| ``users`` | the users table: add, list, disable, re-enable, reset a password, change role or township |
| ``sessions`` | server-side sessions behind the HttpOnly cookie: start, check (idle and absolute limits), end |
| ``signin`` | one sign-in attempt: throttled per username and per client, the same answer for an unknown name |
| ``web`` | the sign-in page and sign-out route, and the middleware that keeps data behind a session |
| ``__main__`` | ``python -m access add-user|list-users|disable-user|reset-password|demo-users`` |
"""
