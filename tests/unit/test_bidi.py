"""Numbers in translated sentences become left-to-right islands, so "116 111" in an Arabic
sentence is not shown as "111 116"; nothing else in the sentence changes."""

from __future__ import annotations

from markupsafe import Markup

from intake.bidi import ltr_numbers

ISLAND = '<span class="number" dir="ltr">{}</span>'


def test_a_number_of_several_groups_is_one_island():
    assert ltr_numbers("يمكن للأطفال الاتصال على الرقم 116 111، مجانًا") == (
        "يمكن للأطفال الاتصال على الرقم " + ISLAND.format("116 111") + "، مجانًا")


def test_phone_numbers_keep_their_plus_and_a_direction_mark_stays_outside():
    assert ltr_numbers("مثلًا 912 34 567 أو \u200e+47 912 34 567") == (
        "مثلًا " + ISLAND.format("912 34 567") + " أو \u200e" + ISLAND.format("+47 912 34 567"))


def test_each_separate_number_gets_its_own_island():
    assert ltr_numbers("112. 116 111") == ISLAND.format("112") + ". " + ISLAND.format("116 111")


def test_a_time_is_one_island_so_an_arabic_page_does_not_show_5_43_as_43_5():
    # As intake/dates.py writes when a report reached the service, on the receipt and the
    # status page.
    assert ltr_numbers("6 ديسمبر 2026، 5:43 م") == (
        ISLAND.format("6") + " ديسمبر " + ISLAND.format("2026") + "، " + ISLAND.format("5:43")
        + " م")
    assert ltr_numbers("ساعت 17:43") == "ساعت " + ISLAND.format("17:43")


def test_digits_of_other_scripts_are_numbers_too():
    assert ltr_numbers("الرقم ١١٦ ١١١") == "الرقم " + ISLAND.format("١١٦ ١١١")


def test_plain_text_is_escaped_as_the_template_would():
    assert ltr_numbers("<b>112</b>") == "&lt;b&gt;" + ISLAND.format("112") + "&lt;/b&gt;"


def test_markup_and_character_references_are_left_whole():
    # A service name with an apostrophe arrives escaped as &#39;; its digits are no number.
    text = Markup("O&#39;Hara: <a href=\"tel:116111\">116 111</a>")
    assert ltr_numbers(text) == (
        'O&#39;Hara: <a href="tel:116111">' + ISLAND.format("116 111") + "</a>")


def test_text_without_numbers_is_unchanged():
    assert ltr_numbers("Ring politiet") == "Ring politiet"


def test_thousands_with_commas_as_babel_writes_them_in_arabic_script_are_one_island():
    assert ltr_numbers("الحد الأقصى 20,000 من الأحرف.") == (
        "الحد الأقصى " + ISLAND.format("20,000") + " من الأحرف.")
    # A comma that lists numbers does not join them.
    assert ltr_numbers("1, 2") == ISLAND.format("1") + ", " + ISLAND.format("2")
