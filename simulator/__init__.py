"""Source-system simulator: a believable bank's daily batches, exactly per the interface spec.

``crmwh generate`` (simulator.cli -> simulator.generate) builds the bank (simulator.world),
moves it through each business day and writes every system's batch (simulator.writer) plus the
ground truth under $CRM_DATA_DIR/truth. Modules, each named for what it makes:

- reference, data/: real GB/T 2260 regions, surname frequencies, name characters, ...
- ids: resident IDs, organization and unified social credit codes, card numbers (vectorised)
- org: the five-level branch tree, staff, and its daily changes
- population, names: the true persons and enterprises
- customers: who is a customer of which system under which numbers
- accounts, cards, loans, ledger: money, and how it moves each day
- consents, rm: marketing consents and relationship-manager assignments
- defects: what goes wrong in the data (the DEFAULT and CLEAN profiles)
- render, writer: text columns, files and flag files
- testing: ``make_bank`` and file readers for tests
"""
