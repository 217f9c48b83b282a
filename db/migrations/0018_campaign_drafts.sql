-- Drafts of campaign definitions, edited in the console before they are started. The YAML text is
-- the draft (the editor changes it in place, so comments and fields it does not show stay); a draft
-- that was started keeps its text and names the campaign it became.
CREATE TABLE campaign_drafts (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title               text NOT NULL DEFAULT '',
  yaml                text NOT NULL,
  -- The plan or file it came from ('' when written from nothing).
  source_file_name    text NOT NULL DEFAULT '',
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_by          text NOT NULL,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  started_campaign_id text,
  started_at          timestamptz
);
CREATE INDEX campaign_drafts_by_update ON campaign_drafts (updated_at DESC);
