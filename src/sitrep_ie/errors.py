"""Coded errors. Every message names the bad value and where it was found.

Codes are stable so that users can search for them:

E001 malformed export file          E101 model directory missing
E002 task without data.text         E102 model directory incomplete or corrupt
E003 unknown label                  E103 model incompatible (label set, files)
E004 span text differs from text    E201 invalid configuration
E005 span out of range              E202 unknown inference backend
E006 missing or swapped offsets     E301 Label Studio not reachable
E007 overlapping spans              E302 Label Studio rejected the API token
E008 duplicate task id              E303 labeling config labels differ
E009 invalid annotation structure   E304 exported tasks rejected by the importer
E010 malformed gold events file     E401 invalid input to extract()/tag()
E011 relation to a missing region   E402 unreadable input file
E012 relation between wrong regions E701 geocoder data missing or unreadable
E013 trigger type not in ontology   E702 invalid geo gold file
E014 admin cycle                    E703 geo acceptance model stale or unreadable
                                    E601 batch input unreadable
E015 quantity in two events         E602 report without usable text
E016 bad event_date                 E603 report without a usable id
E017 bad per-region value           E604 duplicate report id
E018 bad restatement (same_as)      E605 report unreadable (file, line)
E019 ambiguous relations            E606 report text over the size limit
                                    E607 extraction failed for one report
                                    E608 batch output unusable
                                    E609 Ray engine unavailable or failed
"""

from __future__ import annotations


class SitrepError(Exception):
    """Base class: ``code`` is the stable error code, ``str(err)`` starts with it."""

    code = "E9XX"  # never raised itself: every concrete error below has its own code

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.code}: {message}")
        self.message = message


def _coded(code: str, name: str, base: type[Exception] = SitrepError, doc: str = "") -> type[SitrepError]:
    return type(name, (base,), {"code": code, "__doc__": doc})


class AnnotationError(SitrepError):
    """A Label Studio export cannot be used as it is."""

    def __init__(self, message: str, *, file: str | None = None, task_id: object = None, region: object = None) -> None:
        self.file = file
        self.task_id = task_id
        self.region = region
        where = []
        if file:
            where.append(f"file {file}")
        if task_id is not None:
            where.append(f"task {task_id}")
        if region is not None:
            where.append(f"region {region!r}")
        super().__init__(f"{message}" + (f" ({', '.join(where)})" if where else ""))


MalformedExportError = _coded("E001", "MalformedExportError", AnnotationError, "The export is not a JSON list of tasks.")
MissingTextError = _coded("E002", "MissingTextError", AnnotationError, "A task has no data.text string.")
UnknownLabelError = _coded("E003", "UnknownLabelError", AnnotationError, "A region uses a label outside the label set.")
SpanTextMismatchError = _coded("E004", "SpanTextMismatchError", AnnotationError, "value.text differs from data.text[start:end].")
SpanOutOfRangeError = _coded("E005", "SpanOutOfRangeError", AnnotationError, "A region lies outside the text.")
BadOffsetsError = _coded("E006", "BadOffsetsError", AnnotationError, "A region has missing, non-integer or swapped offsets.")
OverlapError = _coded("E007", "OverlapError", AnnotationError, "Two regions of one annotation overlap.")
DuplicateTaskError = _coded("E008", "DuplicateTaskError", AnnotationError, "Two tasks share an id.")
AnnotationStructureError = _coded("E009", "AnnotationStructureError", AnnotationError, "An annotation or region is not shaped as Label Studio writes it.")
GoldEventsError = _coded("E010", "GoldEventsError", AnnotationError, "A gold events file line is not a valid record.")
MissingRegionError = _coded("E011", "MissingRegionError", AnnotationError, "A relation or per-region field names a region the annotation lacks.")
RelationLabelError = _coded("E012", "RelationLabelError", AnnotationError, "A relation is unknown, unlabelled or joins regions of the wrong labels.")
UnknownEventTypeError = _coded("E013", "UnknownEventTypeError", AnnotationError, "A trigger carries an event type the ontology lacks.")
AdminCycleError = _coded("E014", "AdminCycleError", AnnotationError, "Admin relations form a cycle (a place is its own parent).")
SharedQuantityError = _coded("E015", "SharedQuantityError", AnnotationError, "One QUANTITY region is a quantity of two events.")
BadEventDateError = _coded("E016", "BadEventDateError", AnnotationError, "A trigger's event_date is not an ISO date (YYYY-MM-DD) or empty.")
RegionValueError = _coded("E017", "RegionValueError", AnnotationError, "A per-region field is on the wrong region or holds a bad value.")
RestatementError = _coded("E018", "RestatementError", AnnotationError, "same_as relations do not lead each mention to one event trigger.")
AmbiguousRelationError = _coded("E019", "AmbiguousRelationError", AnnotationError, "A place has two admin parents or a quantity two units or upper ends.")


class ModelError(SitrepError):
    """A model directory cannot be loaded."""


ModelMissingError = _coded("E101", "ModelMissingError", ModelError, "No model at the given path.")
ModelCorruptError = _coded("E102", "ModelCorruptError", ModelError, "Files of the model are missing or unreadable.")
ModelIncompatibleError = _coded("E103", "ModelIncompatibleError", ModelError, "The model does not fit this version or label set.")
ConfigError = _coded("E201", "ConfigError", SitrepError, "A configuration file or value is invalid.")
BackendError = _coded("E202", "BackendError", ConfigError, "The inference backend named does not exist.")


class LabelStudioError(SitrepError):
    """Talking to a Label Studio server failed."""


ServerUnreachableError = _coded("E301", "ServerUnreachableError", LabelStudioError)
BadTokenError = _coded("E302", "BadTokenError", LabelStudioError)
LabelConfigMismatchError = _coded("E303", "LabelConfigMismatchError", LabelStudioError)
RejectedTasksError = _coded("E304", "RejectedTasksError", LabelStudioError)


class InputError(SitrepError, TypeError):
    """extract()/tag() was given something that is not text."""

    code = "E401"


InputFileError = _coded("E402", "InputFileError", SitrepError, "An input file does not exist or is not UTF-8 text.")


class GeoError(SitrepError):
    """The offline geocoder or an export cannot work with its data."""


GazetteerError = _coded("E701", "GazetteerError", GeoError, "The gazetteer index or its sources are missing or unreadable.")
GeoGoldError = _coded("E702", "GeoGoldError", GeoError, "A line of the geo gold file (annotations/geo_gold.tsv) is malformed.")
GeoAcceptanceError = _coded("E703", "GeoAcceptanceError", GeoError,
                            "resources/geo_acceptance.json is unreadable or was fitted on other features than the resolver computes.")


class BatchError(SitrepError):
    """`sitrep-ie batch`: a whole run cannot go on (E601, E608, E609), or one report was rejected (E602-E607)."""


BatchInputError = _coded("E601", "BatchInputError", BatchError, "The batch INPUT cannot be read at all.")
MissingReportTextError = _coded("E602", "MissingReportTextError", BatchError, "A report has no text, or its text is not a string.")
BadReportIdError = _coded("E603", "BadReportIdError", BatchError, "A report has no id, or an id that is not a string or integer.")
DuplicateReportError = _coded("E604", "DuplicateReportError", BatchError, "A report id occurs again in the same input.")
UnreadableReportError = _coded("E605", "UnreadableReportError", BatchError, "A report file or line cannot be read or parsed.")
ReportTooLargeError = _coded("E606", "ReportTooLargeError", BatchError, "A report text is longer than the batch limit.")
ExtractionFailedError = _coded("E607", "ExtractionFailedError", BatchError, "Extraction raised on this report.")
BatchOutputError = _coded("E608", "BatchOutputError", BatchError, "The batch OUTPUT cannot be written or resumed.")
RayEngineError = _coded("E609", "RayEngineError", BatchError, "Ray is not installed, or the Ray job failed.")
