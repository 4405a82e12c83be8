-- Who is on a mobile crisis team (names as the dispatcher knows them), as a JSON array.
ALTER TABLE teams ADD COLUMN members TEXT NOT NULL DEFAULT '[]';
