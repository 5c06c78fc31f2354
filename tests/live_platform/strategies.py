"""Any numbers and monitored users a service may have, for the counting rules' tests: the
statuses, types and policies the rules tell apart, and ids that repeat."""

from __future__ import annotations

from hypothesis import strategies as st

from licensehub.live_platform.rules import ASSIGNED, Factors, Monitored, Number

USERS = 8  # user ids are 1..USERS
NUMBERS = st.builds(
    Number,
    st.sampled_from(["DirectRouting", "OperatorConnect", "CallingPlan"]),
    st.sampled_from(["Unassigned", *sorted(ASSIGNED)]),
    st.sampled_from([None, "User", "ConferenceBridge", "VoiceApplication"]),
    st.none() | st.integers(1, USERS),
    st.sampled_from([None, "", "Unrestricted", "UNRESTRICTED", "Tag:International"]),
    st.sampled_from([None, "", "9f1c-user", "9F1C-USER", "other"]),
)
MONITORED = st.builds(
    Monitored, st.integers(1, USERS), st.sampled_from([None, "", "Template A"]), st.booleans()
)
FACTORS = st.builds(Factors, st.booleans(), st.booleans(), st.booleans())
