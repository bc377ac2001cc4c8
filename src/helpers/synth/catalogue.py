"""The catalogue: about fifty paid paths in French and English, and the free courses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.intake.contract import DOMAINS, PATH_LANGUAGES
from helpers.synth.draws import pick_by_weight


@dataclass(frozen=True)
class Path:
    title: str
    domain: str  # tech or non_tech
    language: str  # fr or en
    months: int  # planned length, 6 to 18
    popularity: float
    apprenticeship: bool  # offered as an apprenticeship


PATHS = (
    Path("Développeur web", "tech", "fr", 12, 9.0, True),
    Path("Développeur d'application - JavaScript React", "tech", "fr", 12, 5.0, True),
    Path("Développeur d'application - Python", "tech", "fr", 12, 4.5, True),
    Path("Développeur d'application - Java", "tech", "fr", 12, 3.0, True),
    Path("Développeur d'application - PHP / Symfony", "tech", "fr", 12, 2.5, True),
    Path("Développeur Front-End", "tech", "fr", 9, 2.0, False),
    Path("Intégrateur web", "tech", "fr", 6, 3.0, False),
    Path("Data Analyst", "tech", "fr", 12, 6.0, True),
    Path("Data Scientist", "tech", "fr", 12, 3.5, True),
    Path("Ingénieur Machine Learning", "tech", "fr", 18, 1.5, True),
    Path("Data Engineer", "tech", "fr", 14, 1.5, True),
    Path("Administrateur infrastructure et cloud", "tech", "fr", 12, 3.0, True),
    Path("Technicien supérieur systèmes et réseaux", "tech", "fr", 12, 3.5, True),
    Path("Technicien informatique", "tech", "fr", 8, 3.0, True),
    Path("Expert en cybersécurité", "tech", "fr", 18, 1.5, True),
    Path("Ingénieur DevOps", "tech", "fr", 18, 1.5, True),
    Path("Testeur logiciel", "tech", "fr", 8, 2.0, True),
    Path("Architecte logiciel", "tech", "fr", 18, 0.8, False),
    Path("Designer UX/UI", "tech", "fr", 12, 3.0, True),
    Path("Chef de projet digital", "non_tech", "fr", 12, 3.0, True),
    Path("Chef de projet SI", "non_tech", "fr", 12, 1.5, True),
    Path("Product Manager", "non_tech", "fr", 12, 2.0, True),
    Path("Product Owner", "non_tech", "fr", 9, 1.5, True),
    Path("Chargé de marketing digital", "non_tech", "fr", 12, 2.5, True),
    Path("Community manager", "non_tech", "fr", 9, 2.0, True),
    Path("Assistant ressources humaines", "non_tech", "fr", 12, 3.5, True),
    Path("Gestionnaire de paie", "non_tech", "fr", 12, 2.5, True),
    Path("Chargé de recrutement", "non_tech", "fr", 9, 1.5, True),
    Path("Conseiller en insertion professionnelle", "non_tech", "fr", 10, 2.0, True),
    Path("Assistant comptable", "non_tech", "fr", 12, 2.0, True),
    Path("Business developer", "non_tech", "fr", 12, 2.0, True),
    Path("Formateur professionnel d'adultes", "non_tech", "fr", 10, 1.5, True),
    Path("Coach en orientation professionnelle", "non_tech", "fr", 6, 1.0, False),
    Path("Compétences numériques de base (CléA numérique)", "non_tech", "fr", 6, 1.5, False),
    Path("Web Developer", "tech", "en", 12, 2.5, True),
    Path("Software Developer - Python", "tech", "en", 12, 1.5, True),
    Path("Software Developer - Java", "tech", "en", 14, 1.0, True),
    Path("Front-End Developer", "tech", "en", 9, 1.0, False),
    Path("Data Analyst", "tech", "en", 12, 2.0, True),
    Path("Data Scientist", "tech", "en", 14, 1.0, True),
    Path("Cloud Engineer", "tech", "en", 14, 0.8, True),
    Path("IT Support Technician", "tech", "en", 9, 1.5, True),
    Path("Cybersecurity Analyst", "tech", "en", 16, 0.6, True),
    Path("UX Designer", "tech", "en", 10, 1.0, True),
    Path("Digital Marketer", "non_tech", "en", 12, 1.0, True),
    Path("Project Manager", "non_tech", "en", 12, 1.2, True),
    Path("Business Analyst", "non_tech", "en", 12, 0.8, True),
    Path("Customer Success Manager", "non_tech", "en", 9, 0.8, True),
    Path("HR Assistant", "non_tech", "en", 9, 0.6, True),
    Path("Sales Development Representative", "non_tech", "en", 6, 0.8, False),
)

N_COURSES = 620


def path_ids() -> list[str]:
    return [f"P{i + 1:02d}" for i in range(len(PATHS))]


def paths_frame() -> pd.DataFrame:
    """The ``paths`` table of the contract."""
    return pd.DataFrame(
        {
            "path_id": path_ids(),
            "title": [p.title for p in PATHS],
            "domain": [p.domain for p in PATHS],
            "language": [p.language for p in PATHS],
        }
    )


def course_ids() -> np.ndarray:
    return np.array([f"C{i + 1:04d}" for i in range(N_COURSES)])


def course_popularity() -> np.ndarray:
    """Zipf-like weights: a few courses gather most starts."""
    return 1.0 / (np.arange(1, N_COURSES + 1) ** 0.9)


def choose_paths(
    language: np.ndarray,
    apprenticeship: np.ndarray,
    tech_share: float,
    u_domain: np.ndarray,
    u_path: np.ndarray,
) -> np.ndarray:
    """Index into ``PATHS`` of the path each student follows.

    Apprentices follow paths offered as apprenticeships; ``tech_share`` of the students
    take a tech path when their language offers one.
    """
    domain = np.where(u_domain < tech_share, "tech", "non_tech")
    out = np.empty(len(language), dtype=np.int64)
    for lang in PATH_LANGUAGES:
        for dom in DOMAINS:
            for appr in (True, False):
                rows = np.flatnonzero(
                    (language == lang) & (domain == dom) & (apprenticeship == appr)
                )
                if len(rows) == 0:
                    continue
                options = [
                    i
                    for i, p in enumerate(PATHS)
                    if p.language == lang and p.domain == dom and (p.apprenticeship or not appr)
                ]
                weights = [PATHS[i].popularity for i in options]
                out[rows] = np.asarray(options)[pick_by_weight(u_path[rows], weights)]
    return out
