-- A 通讯录 unit's group robots (docs/channels.md), as its 单位 sheet's columns 企业微信机器人,
-- 钉钉机器人 and 钉钉加签密钥: a webhook or secret written out, or a reference env:NAME read by the
-- worker when it sends. '' where the unit has none. A campaign unit that stands for the entry
-- sends to the entry's current robots (db/campaigns.ts, loadCampaignContext), as to its contacts.
ALTER TABLE directory_units
  ADD COLUMN wecom_robot      text NOT NULL DEFAULT '',
  ADD COLUMN dingtalk_robot   text NOT NULL DEFAULT '',
  ADD COLUMN dingtalk_secret  text NOT NULL DEFAULT '';
