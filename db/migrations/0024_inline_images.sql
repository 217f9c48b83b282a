-- Pictures inside a notice's HTML mail (each problem point's thumbnail in its 交办): sent as inline
-- parts whose Content-ID the HTML names (<img src="cid:…">). Kept with the notice, written in the
-- transaction that numbers it, so that a retried send sends the same mail.
ALTER TABLE notice_attachments ADD COLUMN content_id text;

-- What the embedded SMTP sink received besides text and HTML: each attachment's type, Content-ID,
-- name and size (not its bytes), so that a mail's inline pictures can be checked against its HTML.
ALTER TABLE mailbox ADD COLUMN parts jsonb NOT NULL DEFAULT '[]';
