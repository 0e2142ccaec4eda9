"""Intake: everything that reads files from outside the register.

- `exchange`: the register's own exchange folder (strict CSV, line-precise problems);
- `ctf`: DfE Common Transfer Files, as the DfE's and MIS suppliers' writers emit them;
- `mis`: MIS CSV exports, read through a column mapping a trust admin confirms;
- `identity`: one person per human across files (identifiers kept apart, merges audited);
- `importing`: an import of any of these into a store, with what it changes;
- `zips`: reading a zip from outside, a member at a time, refusing zip bombs;
- `downloads`: a member of staff's own social media download, checked in memory.
"""
