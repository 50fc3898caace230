"""``statehub doctor``: one command that says what is wrong with a workstation, and how to fix it.

``checks`` judges (pure), ``probes`` looks (git, the database, systemd; changes nothing),
``diagnose`` runs them all into one ``DoctorReport``.
"""

from statehub.doctor.diagnose import DoctorOptions, diagnose
from statehub.doctor.report import DoctorReport

__all__ = ["DoctorOptions", "DoctorReport", "diagnose"]
