"""The receipt-status look-up: the reference and the code from the receipt."""

from __future__ import annotations

from wtforms import Form, StringField
from wtforms.validators import DataRequired

from i18n import lazy_gettext as _l
from intake.forms.base import limit, strip


class StatusForm(Form):
    reference = StringField(
        _l("Reference number"),
        description=_l("8 letters and digits, as on your receipt"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the reference number from your receipt")),
                    limit(40, _l("The reference number is 8 letters and digits, like K7M2QX9B"))],
    )
    code = StringField(
        _l("Status code"),
        description=_l(
            "The code under the reference number on your receipt, like 3F8K-ABCD-EFGH-J"
        ),
        filters=[strip],
        validators=[DataRequired(_l("Enter the status code from your receipt")),
                    limit(60, _l("The status code is 13 letters and digits"))],
    )
