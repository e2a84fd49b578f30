-- REG-13, completed: each sending of the list of authorized persons to a country's customs is
-- recorded: what was sent (the list as it stood), when, to whom, by which channel and under
-- which reference, and whether it was acknowledged.

CREATE TABLE person_list_sendings (
    sending_id       TEXT PRIMARY KEY,
    country          TEXT NOT NULL,               -- NO | CH
    sent_on          TEXT NOT NULL,
    addressee        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    reference        TEXT NOT NULL,
    list_text        TEXT NOT NULL,               -- person::list_text: compared with the list now
    persons          BLOB NOT NULL,               -- the list as sent (ListAuthorizedPersonsResponse)
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    acknowledged_on  TEXT
);
CREATE INDEX person_list_sendings_by_country ON person_list_sendings (country, recorded_at);
