-- Short links for SMS (services/short-links.ts): a signed unit link is some 150 characters and does
-- not fit in a text, so the SMS carries /l/<code> instead. The code is a random key, no authority
-- of its own: /l/<code> redirects to /u/<token>, where the token's signature, expiry and version
-- are checked as for any link, so a withdrawn link stays dead behind its code.
CREATE TABLE short_links (
  -- 10 characters of base62 from crypto randomness: not guessable, not derived from anything.
  code         text PRIMARY KEY,
  -- What the code was made for (<noticeKey>/l/<unit>): the notice's retried transaction or a
  -- repeated send finds the same code instead of making another.
  key          text NOT NULL UNIQUE,
  token        text NOT NULL,
  campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  unit_id      text NOT NULL,
  -- The token's own expiry: the code answers 404 from then on.
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
