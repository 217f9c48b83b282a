-- A campaign's unit may stand for a unit of the 通讯录: its principal and contact are then read
-- from the directory when a notice is sent, so a new contact applies to every later mail.
ALTER TABLE units ADD COLUMN directory_id bigint REFERENCES directory_units (id);
CREATE INDEX units_by_directory ON units (directory_id) WHERE directory_id IS NOT NULL;
