-- An employee's own OAuth2 sign-in (token JSON, encrypted), SPEC R51.
ALTER TABLE employee ADD COLUMN oauth_token TEXT NOT NULL DEFAULT '';
