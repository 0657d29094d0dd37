"""One declarative form per wizard step, with a message for each way an answer can be wrong.

Plain `wtforms.Form` classes (the view checks CSRF), so the wizard can re-validate stored
answers and tests can call them without a request. Every free-text field has a length limit and
a message saying what it is.
"""

from __future__ import annotations

from intake.forms.base import StepContext, StepForm
from intake.forms.child import (
    ChildAddressForm,
    ChildAgeForm,
    ChildNameForm,
    ChildRelationForm,
    ChildrenForm,
    ChildToldForm,
)
from intake.forms.concern import (
    BackgroundForm,
    ChildViewsForm,
    ConcernForm,
    InterpreterForm,
    ParentsForm,
    ParentsToldForm,
    SourceForm,
    TimingForm,
    TopicsForm,
)
from intake.forms.opening import (
    AnonymityForm,
    DistrictForm,
    EmergencyCallForm,
    EmergencyForm,
    LocationConfirmForm,
    LocationForm,
    MunicipalityForm,
    OwnMunicipalityForm,
    ReporterTypeForm,
)
from intake.forms.reporter import AboutYouForm, CheckForm, normalise_phone

FORMS: dict[str, type[StepForm]] = {
    "emergency": EmergencyForm,
    "emergency-call": EmergencyCallForm,
    "reporter-type": ReporterTypeForm,
    "location": LocationForm,
    "location-confirm": LocationConfirmForm,
    "municipality": MunicipalityForm,
    "own-municipality": OwnMunicipalityForm,
    "district": DistrictForm,
    "anonymity": AnonymityForm,
    "child-name": ChildNameForm,
    "child-age": ChildAgeForm,
    "child-address": ChildAddressForm,
    "child-relation": ChildRelationForm,
    "child-told": ChildToldForm,
    "children": ChildrenForm,
    "parents": ParentsForm,
    "parents-told": ParentsToldForm,
    "topics": TopicsForm,
    "concern": ConcernForm,
    "source": SourceForm,
    "timing": TimingForm,
    "background": BackgroundForm,
    "child-views": ChildViewsForm,
    "interpreter": InterpreterForm,
    "about-you": AboutYouForm,
    "check": CheckForm,
    "not-connected": StepForm,  # an end page: nothing to answer
}

__all__ = ["FORMS", "StepContext", "StepForm", "normalise_phone"]
