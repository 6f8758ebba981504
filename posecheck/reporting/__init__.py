"""Building blocks shared by posecheck's reports (see :mod:`posecheck.reporting.html_parts`)."""
