-- Issue 14 item 8: questions on quadrennial reports. The Committee on NGOs may defer a
-- quadrennial report with questions, as it does an application; the organisation answers
-- them. One row per question, under its report (/api/v1/accreditation-reports/{id}/questions).
CREATE TABLE report_questions (
    id               INTEGER PRIMARY KEY,
    report_id        INTEGER NOT NULL REFERENCES accreditation_reports (id) ON DELETE CASCADE,
    question         TEXT NOT NULL,
    asked_on         TEXT NOT NULL,
    answer           TEXT,
    answered_on      TEXT,
    asked_at_session TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX report_questions_report ON report_questions (report_id, id);
-- the open ones, for the obligations list and the reminders
CREATE INDEX report_questions_open ON report_questions (report_id) WHERE answer IS NULL;
