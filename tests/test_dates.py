import datetime as dt

import pytest

from sitrep_ie.events.dates import as_date, event_date, report_dates, sentence_date
from sitrep_ie.events.lexicon import default_lexicon

LEX = default_lexicon()
from sitrep_ie.errors import InputError

REF = dt.date(2017, 11, 2)  # a Thursday


LONG_TITLES = ("Militants broke the truce 43 times in the past day, the reconciliation centre in Syria says\n\n"
               "One more village in the province of Tartus signed a reconciliation agreement during the day, while shelling "
               "went on in the provinces of Aleppo and Damascus\n\n")
LONG_LEAD = LONG_TITLES.replace("Damascus\n", "Damascus.\n")


@pytest.mark.parametrize(
    "text, report, dateline",
    [
        ("date 2017-11-02\nHMEIMIM /Syria/, November 2. /TASS/. Sappers cleared 12 mines.", dt.date(2017, 11, 2), True),
        ("ALEPPO, March 4. /TASS/. Sappers cleared 12 mines.", dt.date(2017, 3, 4), True),
        ("ADEN, Jan 12 (Xinhua) -- Aid arrived.", dt.date(2017, 1, 12), True),
        ("KHARKIV, 3 May - Shelling hit the city.", dt.date(2017, 5, 3), True),
        ("GENEVA, 10th June 2016 (WAM) - Aid arrived.", dt.date(2016, 6, 10), True),
        ("GENEVA, Switzerland, January 24, 2016/APO/ -- Aid arrived.", dt.date(2016, 1, 24), True),
        ("Title of the item\n\nBEIRUT: Air strikes killed 10 civilians in Idlib on Friday.", REF, True),
        ("SULAIMANI (NRT) — Two soldiers were killed in an attack on a post.", REF, True),
        ("BENGHAZI, 04.09.2019. Sappers cleared 12 mines.", dt.date(2019, 9, 4), True),  # day first, as the region writes it
        ("STEPANAKERT, SEPTEMBER 30, ARTSAKHPRESS: Sappers cleared 12 mines.", dt.date(2017, 9, 30), True),  # the month in capitals
        # the date inside the agency's brackets, as syndicated wire copy prints it
        ("MOSCOW (Sputnik - 02nd March, 2019) The Russian side recorded 13 truce breaches in the past day.", dt.date(2019, 3, 2), True),
        ("Title of the item\n\nGeneva/Baghdad (ICRC) – The Red Cross has delivered medical supplies to three hospitals.", REF, True),
        ("Title of the item\n\nQuang Tri (VNA) - The Mines Advisory Group has cleared 40 hectares in the province.", REF, True),
        # a title-case word before a dash is a dateline only with the agency in brackets after it
        ("Danish Demining Group (DDG) – Teams removed 40 mines from farmland near Hit this week.", REF, False),  # its initials
        ("Kabul update - Aid workers reached the district after three days of fighting.", REF, False),
        # titles of UN updates open like undated datelines but are not sentences
        ("SUDAN: Thousands flee Sinja in Sennar State - Flash Update No. 3\nIssued: 2 July 2024", dt.date(2024, 7, 2), False),
        ("KYIV - UNHCR Ukraine Operational Update, 1-31 August 2022\n\nBorder guards recorded 4,300 crossings.", REF, False),
        ("OPS LOG - west Mosul\n3 mortars landed.", REF, False),
        ("KEY POINTS\n\n- 300 families displaced", REF, False),
        ("Flash update\nIssued: 14 March 2021\n- 300 families displaced", dt.date(2021, 3, 14), False),
        ("Ferries carry the wounded out\n\nPublished on 07 May 2009\n\nThe ferry took 495 people out on Thursday.", dt.date(2009, 5, 7), False),
        ("Sappers at work\nPublished: 03.07.2018, 09:37\n\nSappers of the SES destroyed 37 explosive objects.", dt.date(2018, 7, 3), False),
        ("Sappers cleared 12 mines near Homs.", REF, False),
        # a title line that only carries a date dates the report, not its undated sentences (GUIDELINES 4.5, rule 5)
        ("Operational update, 22 August 2019\n\n- ICRC engineers repaired the water network.", dt.date(2019, 8, 22), False),
        ("UNMISS weekly press briefing, Juba, 9 August 2017\n\nHelicopters flew 23 wounded.", dt.date(2017, 8, 9), False),
        ("Riyadh, 16 April 2019\n\nKSrelief delivered 42 tonnes of food baskets to Marib.", dt.date(2019, 4, 16), False),
        ("MOSCOW, 24 May 2017. Bulletin of the Russian centre. Sappers cleared 12 mines.", dt.date(2017, 5, 24), True),
        # a headline and a standfirst may push the dateline past the first 200 characters; a sentence may not
        (LONG_TITLES + "MOSCOW, December 12. /TASS/. Militants opened fire 43 times.", dt.date(2016, 12, 12), True),
        (LONG_LEAD + "MOSCOW, December 12. /TASS/. Militants opened fire 43 times.", REF, False),
        # the date before the place, as some papers print it
        ("June 9, 2020 (KHARTOUM) - A convoy of nine trucks crossed into the country.", dt.date(2020, 6, 9), True),
        ("9 June 2020 (JUBA): A convoy of nine trucks crossed into the country.", dt.date(2020, 6, 9), True),
        ("June 9, 2020 - A convoy of nine trucks crossed into the country.", REF, False),
        # a title that ends with its date in brackets dates the report when nothing else does
        ("Briefing of the reconciliation centre (September 12, 2017)\n\nSappers cleared 12 mines.", dt.date(2017, 9, 12), False),
        ("Flash update No. 3 (13 October)\n\nShelling hit Kyiv yesterday.", dt.date(2017, 10, 13), False),  # the year the reference's
        ("Briefing of the reconciliation centre (12 September 2017)\nIssued: 14 September 2017\n\nAid arrived.", dt.date(2017, 9, 14), False),
        ("Sappers cleared 12 mines.\nThe depot (September 12, 2017) was emptied.", REF, False),  # not the title line
    ],
)
def test_report_date(text, report, dateline):
    rd = report_dates(text, REF, LEX)
    assert rd.report_date == report
    assert rd.wire_dateline == dateline


def test_december_dateline_in_a_january_report_is_last_year():
    assert report_dates("KABUL, December 30. /TASS/. Text.", dt.date(2018, 1, 3), LEX).report_date == dt.date(2017, 12, 30)


@pytest.mark.parametrize(
    "sentence, date, precision",
    [
        ("On 12 October sappers cleared 40 mines.", "2017-10-12", "day"),
        ("On October 12, 2016 a convoy arrived.", "2016-10-12", "day"),
        ("On Tuesday militants shelled the village.", "2017-10-31", "day"),
        ("Yesterday 12 people were evacuated.", "2017-11-01", "day"),
        ("Between 8 and 11 July, 300 families returned.", None, "period"),
        ("Between 28 September-6 October, 300 families returned.", None, "period"),  # across two months, a bare dash
        ("From September 28 – October 2, 300 families returned.", None, "period"),
        ("Between October 15 and October 28, 38 fighters surrendered.", None, "period"),  # the month before each day
        ("Between Oct. 15 and Oct. 28, 38 fighters surrendered.", None, "period"),
        ("From September 8 to November 6, sappers cleared 1,422 hectares.", None, "period"),
        ("Last week 300 families returned.", None, "period"),
        ("In March, 300 families returned.", None, "month"),
        # two days, or a span of days, are a period (GUIDELINES 4.5 rule 2)
        ("Shelling hit five villages on 9 and 10 October.", None, "period"),
        ("Shelling hit five villages on Saturday and Sunday.", None, "period"),
        ("Over three days, 146 buses left the town.", None, "period"),
        ("Volunteers handed out 2,000 parcels in recent days.", None, "period"),
        ("Medics held 6,300 consultations in the first three weeks of January.", None, "period"),
        ("During the same week, dog handlers checked 34 kilometres of road.", None, "period"),
        ("In the same period, MAG deminers removed 212 devices.", None, "period"),
        ("The hospital treated 640 patients in its first two days.", None, "period"),
        ("WFP gave 2,100 families a ration during the week.", None, "period"),
        ("About 4,800 people fled over the weekend.", None, "period"),
        ("In the past two weeks, teams vaccinated 860,000 people.", None, "period"),
        ("It also repaired three boreholes that month.", None, "period"),
    ],
)
def test_sentence_dates(sentence, date, precision):
    m = sentence_date(sentence, 0, len(sentence), REF, LEX)
    assert m is not None and m.precision == precision
    assert (m.date.isoformat() if m.date else None) == date


@pytest.mark.parametrize("sentence", ["Sappers cleared 40 mines.", "A 12-year-old boy was hurt.", "In the past 24 hours 3 trucks arrived.",
                                      "The road reopened the following day.", "It was the first convoy in two weeks."])
def test_sentences_without_their_own_date(sentence):
    assert sentence_date(sentence, 0, len(sentence), REF, LEX) is None


def test_as_date():
    assert as_date("2017-11-02") == REF
    with pytest.raises(InputError):
        as_date("2 Nov")


def test_day_without_year_and_without_report_date_is_unknown():
    s = "The road reopened to traffic on 12 October."
    m = sentence_date(s, 0, len(s), None, LEX)
    assert m is None or m.date is None


def test_dateline_without_any_year_is_still_a_dateline():
    rd = report_dates("ALEPPO, March 4. /TASS/. Sappers cleared 12 mines.", None, LEX)
    assert rd.wire_dateline and rd.report_date is None and rd.dateline_place == (0, 6)


@pytest.mark.parametrize("text,report_date,place", [
    # the seed's first line: header, dateline and the first sentence on one line
    (" date 2017-11-02 HMEIMIM /Syria/, November 2. /TASS/. Sappers cleared 12 mines.", dt.date(2017, 11, 2), "HMEIMIM"),
    ("date 2017-11-02\nHMEIMIM /Syria/, November 2. /TASS/. Sappers cleared 12 mines.", dt.date(2017, 11, 2), "HMEIMIM"),
    ("date: 2019-03-06 Sappers cleared 12 mines.", dt.date(2019, 3, 6), None),
    # the dateline's place, with the country a wire item names after it; an undated dateline still marks its place
    ("GENEVA, Switzerland, January 24, 2017/APO/ -- More than 25,000 people received food.", dt.date(2017, 1, 24), "GENEVA, Switzerland"),
    ("Two soldiers killed\n\nSULAIMANI — Two soldiers were killed in an attack on a post.", None, "SULAIMANI"),
    ("BEIRUT: Air strikes killed 10 civilians in Idlib on Friday.", None, "BEIRUT"),
    ("Geneva/Baghdad (ICRC) – The Red Cross has delivered medical supplies to three hospitals.", None, "Geneva/Baghdad"),
    ("Quang Tri (VNA) - The Mines Advisory Group has cleared 40 hectares in the province.", None, "Quang Tri"),
    ("June 9, 2020 (KHARTOUM) - A convoy of nine trucks crossed into the country.", dt.date(2020, 6, 9), "KHARTOUM"),
])
def test_header_dates_the_report_and_frees_the_dateline(text, report_date, place):
    rd = report_dates(text, None, LEX)
    assert rd.report_date == report_date
    assert (text[slice(*rd.dateline_place)] if rd.dateline_place else None) == place


@pytest.mark.parametrize("text,agency", [
    ("HMEIMIM /Syria/, November 2. /TASS/. Sappers cleared 12 mines.", "/TASS/"),
    ("STEPANAKERT, SEPTEMBER 30, ARTSAKHPRESS: Sappers cleared 12 mines.", "ARTSAKHPRESS"),
    ("ADEN, Jan 12 (Xinhua) -- Aid arrived.", "(Xinhua)"),
    ("MOSCOW, 24 May 2017. Bulletin of the Russian centre.", None),
    ("KHARKIV, 3 May - Shelling hit the city.", None),
    ("MOSCOW (Sputnik) - Air defences destroyed 20 drones overnight, the ministry told reporters.", "(Sputnik)"),
    ("MOSCOW (Sputnik - 02nd March, 2019) The Russian side recorded 13 truce breaches in the past day.", "Sputnik"),
    # ... also when a header heads its line, as wire items arrive
    (" date 2019-03-02 MOSCOW (Sputnik - 02nd March, 2019) The Russian side recorded 13 truce breaches.", "Sputnik"),
])
def test_the_agency_of_a_dateline(text, agency):
    rd = report_dates(text, REF, LEX)
    assert (text[slice(*rd.dateline_agency)] if rd.dateline_agency else None) == agency


def test_iso_dates_are_never_read_day_first():
    s = "Sappers cleared 12 mines on 2017-11-02."
    assert sentence_date(s, 0, len(s), None, LEX).date == dt.date(2017, 11, 2)


@pytest.mark.parametrize(
    "sentence, trigger, date",
    [
        # the date nearest the trigger dates its event; a sentence can carry two events on two days
        ("Shelling hit the town on Tuesday and a convoy arrived on Wednesday.", "Shelling", "2017-10-31"),
        ("Shelling hit the town on Tuesday and a convoy arrived on Wednesday.", "arrived", "2017-11-01"),
        ("On 12 October sappers cleared 40 mines; the road reopened yesterday.", "cleared", "2017-10-12"),
        ("On 12 October sappers cleared 40 mines; the road reopened yesterday.", "reopened", "2017-11-01"),
        # "since Sunday" starts a count: no later weekday is read (a speech date) and the event keeps the fallback
        ("1,700 families have fled since Sunday, the centre said on Wednesday.", "fled", None),
        # the day a statement was made gives way to the day of what it reports, however near the trigger
        ("The command said on Wednesday that its teams had dismantled 97 devices in Ramadi on Tuesday.", "dismantled", "2017-10-31"),
        ("The command said on Wednesday that its teams dismantled 97 devices.", "dismantled", "2017-11-01"),  # no other day
        # ... and to a period the sentence gives (GUIDELINES 4.5, rule 2); a day of the event's own still beats the period
        ("Teams removed 312 items over the past three days, the director said on Tuesday.", "removed", None),
        ("Over the past week sappers cleared 40 mines, the last of them on Tuesday.", "cleared", "2017-10-31"),
        # a day a "since" clause names starts a count, unless the trigger is the event that clause states
        ("Since fighting erupted on 3 October, 144 people have been killed.", "killed", None),
        ("Since fighting erupted on 3 October, 144 people have been killed.", "fighting", "2017-10-03"),
        ("296 civilians have been killed since fighting began on Saturday.", "killed", None),
        ("296 civilians have been killed since fighting began on Saturday.", "fighting", "2017-10-28"),
        ("Surgeons operated on 31 people since Monday, when a device went off in the market, killing nine.", "operated", None),
        ("Surgeons operated on 31 people since Monday, when a device went off in the market, killing nine.", "killing", "2017-10-30"),
    ],
)
def test_nearest_date_to_the_trigger(sentence, trigger, date):
    at = sentence.index(trigger)
    m = sentence_date(sentence, 0, len(sentence), REF, LEX, anchor=(at, at + len(trigger)))
    assert (m.date.isoformat() if m and m.date else None) == date


def test_without_a_trigger_the_first_stated_day_wins():
    s = "Shelling hit the town on Tuesday and a convoy arrived on Wednesday."
    assert sentence_date(s, 0, len(s), REF, LEX).date == dt.date(2017, 10, 31)


@pytest.mark.parametrize("text, bulletin", [
    ("Summary for the past day, 02.11.2017\nSappers cleared 12 mines.", True),
    ("Field log, 24 hrs to 0600 on 02.11.2017\n- 3 mortars landed.", True),
    ("Bulletin No. 4 (past 12 hours)\n- 3 mortars landed.", True),
    ("In the past 24 hours 3 trucks arrived.", True),
    ("In the course of the last day, 3 trucks arrived.", True),
    ("Last day, sappers of the SES cleared 10 hectares.", True),  # the phrase opening the sentence
    ("Sappers cleared 10 hectares on the last day of the campaign.", False),
    ("Weekly summary\nSappers cleared 12 mines over 24 hours of work.", False),
    ("Operational update, 2 November\nSappers cleared 12 mines.", False),
    ("Daily bulletin of the reconciliation centre, 2 November\n- Sappers cleared 12 mines.", True),  # a day's bulletin
    ("Weekly bulletin of the reconciliation centre, 2 November\n- Sappers cleared 12 mines.", False),
    ("Peacekeepers observe daily exchanges of fire.\nSappers cleared 12 mines.", False),
    # an update that says it of one item further down is no bulletin: that item alone takes the report date
    ("Flash update No. 3\n" + "Fighting displaced 4,000 people from Sinja towards Sennar and Gedaref. " * 6
     + "\n- In the past 24 hours, WFP distributed 12 tonnes of food.", False),
])
def test_bulletins_that_cover_the_past_day(text, bulletin):
    assert report_dates(text, REF, LEX).past_day_bulletin == bulletin


@pytest.mark.parametrize("text, date", [
    # a field log's entry dates every sentence of its line that states no day of its own
    ("Field log\nIssued: 2 November\n\nOct 30 - Clinics moved closer to the camps. They vaccinated 1,020 children.", "2017-10-30"),
    ("Field log\n\n30 October: Clinics moved closer to the camps. They vaccinated 1,020 children.", "2017-10-30"),
    ("Field log\n\nOct 30 - Clinics moved closer to the camps. They vaccinated 1,020 children last week.", None),  # a period
    ("Field log\n\nOct 30 - Clinics moved closer to the camps.\nThey vaccinated 1,020 children.", None),  # another line
    ("Update, 2 November\n\nClinics moved closer to the camps. They vaccinated 1,020 children.", None),  # no entry
])
def test_a_log_entry_dates_its_line(text, date):
    from sitrep_ie.events.segment import sentences

    sents = sentences(text, LEX)
    assert event_date(text, sents[-1], report_dates(text, REF, LEX), LEX)[0] == date


@pytest.mark.parametrize("text, date", [
    ("Shelling hit Dugure on 1 May. The road to Sinuni reopened the same day.", "2017-05-01"),
    ("Clashes broke out in Dugure on 1 May. Families fled to Sinuni the following day.", "2017-05-02"),
    ("Sappers cleared 40 mines on Tuesday. Schools reopened. Medics treated 12 people that day.", "2017-10-31"),
    ("Sappers cleared 40 mines last week. Medics treated 12 people that day.", None),  # no day to point back to
    ("Sappers cleared 40 mines on Tuesday. Medics treated 12 people.", None),  # no pointer: an UN-style update dates nothing
    # the dateline dates the report, not the event its sentence states on its own day
    ("GENEVA, 2 November - Buses took 1,150 people out on Tuesday.\n\nWFP served meals the same day.", "2017-10-31"),
])
def test_the_same_day_is_the_day_stated_before(text, date):
    from sitrep_ie.events.segment import sentences

    sents = sentences(text, LEX)
    rd = report_dates(text, REF, LEX)
    assert event_date(text, sents[-1], rd, LEX, None, sents[:-1][::-1])[0] == date


@pytest.mark.parametrize("text, trigger, date", [
    ("WFP gave rations on arrival, and on Tuesday the directorate repaired the station.", "gave", None),
    ("WFP gave rations on arrival, and on Tuesday the directorate repaired the station.", "repaired", "2017-10-31"),
    ("On Tuesday WFP gave rations, and the directorate repaired the station.", "repaired", "2017-10-31"),  # a leading day dates all
    ("Medics treated 300 people last week; on Monday a clinic reopened.", "treated", None),
    # a relative clause's day is its noun's, not the event's: the past-24-hours rule dates the event
    ("In the past 24 hours, UN agencies sent 52 trucks through the crossing, which opened on Tuesday.", "sent", "2017-11-02"),
    ("In the past 24 hours, UN agencies sent 52 trucks through the crossing, which opened on Tuesday.", "opened", "2017-10-31"),
    # ... and so is a count a relative clause runs: the event is no running total then (no report date, no wire dateline)
    ("WFP airdropped 52 tonnes of food to Sabiid, which has been cut off by road since 9 October.", "airdropped", None),
    ("WFP has airdropped 52 tonnes of food to Sabiid since 9 October.", "airdropped", "2017-11-02"),
    ("Since 9 October, WFP has airdropped a total of 52 tonnes of food to Sabiid.", "airdropped", "2017-11-02"),
    # a figure "as of" a day is a running total (SPEC): the report's date, not the cut-off day
    ("As of 30 October, 215,281 refugees have returned from Lebanon.", "returned", "2017-11-02"),
    ("The number of people who have returned home as of 30 October stands at 1,200.", "returned", "2017-11-02"),
    ("On 30 October, 412 refugees returned from Lebanon.", "returned", "2017-10-30"),
    # "since" alone means "afterwards": no count runs from a day
    ("Most of the families have since gone back to Mahin.", "gone back", None),
    ("Most of the families have gone back to Mahin since the operation began.", "gone back", "2017-11-02"),
    # "for the first time since July": the day before this one, no count
    ("A convoy reached Madaya last week for the first time since July.", "reached", None),
])
def test_a_day_in_a_later_clause_dates_that_clause(text, trigger, date):
    from sitrep_ie.events.segment import Segment

    a = text.index(trigger)
    assert event_date(text, Segment(0, len(text)), report_dates(text, REF, LEX), LEX, (a, a + len(trigger)))[0] == date
