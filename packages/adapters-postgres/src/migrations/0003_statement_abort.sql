-- Lets a single statement undo itself: a data-modifying WITH whose later step finds its precondition gone
-- calls this, and the error rolls the whole statement back. One round trip where a transaction would take
-- four (BEGIN, two statements, COMMIT).
CREATE FUNCTION facegate_abort_if(condition boolean, reason text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF condition THEN
    RAISE EXCEPTION USING ERRCODE = 'FGABT', MESSAGE = reason;
  END IF;
  RETURN true;
END
$$;
