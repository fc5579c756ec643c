"""The import table's model on its own, checked by Qt's model tester (pytest-qt's qtmodeltester):
every index, parent, row count and role it answers is consistent, through the changes a user
makes (a file, a new mapping, results arriving, a filter, a search, a sort)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from helpers.leads import write_leads
from noojee_desktop.core.codes import Category
from noojee_desktop.core.outcome import RowOutcome
from noojee_desktop.core.sheet import auto_map, read_sheet, validate
from noojee_desktop.ui.import_model import FIXED, RESULT, CategoryRole, ImportModel, prepare_rows

ROWS = [("Ann Lee", "Melbourne", "0383218100"), ("Bob Ray", "Sydney", "call me"),
        ("Cy Tan", "Geelong", "0383218102"), ("Dee Fox", "Perth", "0892345678")]


@pytest.fixture
def loaded(tmp_path):
    sheet = read_sheet(write_leads(tmp_path / "leads.csv", ROWS))
    mapping = auto_map(sheet.headers)
    model = ImportModel()
    model.set_data(sheet, prepare_rows(sheet, validate(sheet, mapping), mapping), mapping)
    return model, sheet, mapping


def test_an_empty_model_is_a_valid_table(qapp, qtmodeltester):
    qtmodeltester.check(ImportModel(), force_py=False)


def test_a_loaded_model_stays_valid_through_what_a_user_does(qapp, qtmodeltester, loaded):
    model, sheet, mapping = loaded
    qtmodeltester.check(model, force_py=False)      # keeps watching every later change
    assert (model.rowCount(), model.columnCount()) == (len(ROWS), FIXED + 3)
    assert model.index(1, RESULT).data(CategoryRole) == Category.INVALID      # "call me" is no phone

    model.apply_outcomes([(0, RowOutcome(Category.INSERTED, 0, "OK", 1)), (3, RowOutcome(Category.DNC, 104, "DNC", 1))])
    assert model.index(3, RESULT).data(CategoryRole) == Category.DNC
    model.set_categories({Category.INSERTED, Category.DNC})
    assert model.rowCount() == 2
    model.sort(FIXED, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, FIXED).data() for r in range(model.rowCount())] == ["Dee Fox", "Ann Lee"]
    model.apply_outcomes([(3, RowOutcome(Category.INSERTED, 0, "OK", 2))])     # a retry went in
    model.set_search("dee")
    assert model.rowCount() == 1
    model.set_search("")
    model.set_categories(None)
    model.sort(-1)
    model.set_prepared(prepare_rows(sheet, validate(sheet, mapping), mapping, list(model.outcomes)), mapping)
    model.reset_outcomes([0, 3])
    assert model.counts == {Category.PENDING: 3, Category.INVALID: 1}
