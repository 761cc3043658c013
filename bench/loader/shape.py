"""What the generated data set looks like: its sizes and shares, and the words in its rows."""

from __future__ import annotations

from datetime import timedelta

SLUG_PREFIX = "scale-"
PASSWORD = "scale-password"  # noqa: S105  (benchmark data only, printed by the command)
CLIENT_EMAIL = "client@scale-0001.example"
STAFF_EMAIL = "agent01@middag-scale.example"
CLIENT_SHARE = 0.02  # the benchmark's organization holds 2 % of the tickets at every scale
AGENTS = 25
CHUNK = 25_000  # tickets generated and copied per round

H = timedelta(hours=1)
DAY = timedelta(days=1)
# The timeline of a request without SLA targets (the free tier) still needs a pace.
UNTARGETED_RESPONSE = timedelta(hours=8)
UNTARGETED_RESOLUTION = timedelta(days=3)

TITLES = [
    "Cannot log in with SSO",
    "Course backup fails to restore",
    "Gradebook export is very slow",
    "SSL certificate renewal",
    "Upgrade to the latest release",
    "Quiz timer ends early",
    "Enrolment sync from the ERP stopped",
    "Scheduled task is stuck",
    "Increase the upload size limit",
    "Certificate PDF shows wrong dates",
    "Add a staging copy of production",
    "Theme broken on mobile",
    "Reports take minutes to load",
    "Email notifications not delivered",
    "Plugin update request",
    "Disk usage alert",
    "Restore a deleted course",
    "Payment gateway returns an error",
    "New administrator account",
    "Video playback stutters",
]
PLACES = ["production", "staging", "the main campus", "the portal", "the mobile app", "the LMS"]
DESCRIPTIONS = [
    "Since this morning several users report the problem; screenshots attached.",
    "It worked last week. Nothing changed on our side as far as we know.",
    "Please schedule it outside class hours (after 22:00 local time).",
    "The error message says to contact the site administrator.",
    "This blocks the start of the semester; please treat it as a priority.",
]
STAFF_REPLIES = [
    "Thanks for the report, we are looking into it.",
    "We reproduced the problem and are working on a fix.",
    "Could you send us the exact time it happened and a screenshot?",
]
CLIENT_REPLIES = ["Thanks!", "Here is the screenshot you asked for.", "It happens again today."]
NOTES = ["Slow query on the logstore table; index candidate.", "Escalated to the hosting team."]
FIXES = ["Fixed: the configuration was corrected.", "Done; please confirm on your side."]
PRIORITIES = (["low"] * 20) + (["normal"] * 50) + (["high"] * 22) + (["urgent"] * 8)
TIERS = (["enterprise"] * 10) + (["government"] * 5) + (["business"] * 30)
TIERS += (["flex"] * 20) + (["basic"] * 30) + (["free"] * 5)
SOURCES = (["account"] * 80) + (["admin"] * 8) + (["isp"] * 6) + (["helpdesk"] * 6)
PRODUCTS = {
    "ENV": ["Moodle Hosting Business", "Moodle Hosting Enterprise", "WordPress Hosting"],
    "SVC": ["Theme Development", "Migration Project", "Support Retainer"],
    "PLG": ["Campus EAD Plugin", "Attendance Pro", "Certificates Plus"],
    "ORD": ["Setup Fee", "Consulting Hours"],
    "AFL": ["Affiliate Program"],
    "EDU": ["Instructor Training"],
}
HISTORY_FIELDS = [
    "from_status", "to_status", "transition", "changed_at", "changed_by_id", "reason",
    "subject_id",
]  # fmt: skip
