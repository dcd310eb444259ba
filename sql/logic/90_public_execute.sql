-- Applied last, after every function exists. A function is executable by PUBLIC when created,
-- and a per-schema default privilege cannot take that away (per-schema defaults only add to the
-- global ones), so PUBLIC's EXECUTE is revoked from all of them here; each role keeps exactly
-- the grants written under each function (the catalog test keeps it that way).
revoke execute on all functions in schema pgrag from public;
