-- Departments (and the credit office, for commitments to the public) list
-- the commitments made to them.
CREATE INDEX commitments_addressee ON commitments (addressee, id);
