"""``GET /repos`` and ``GET /repos/{name}``: each repo's last observed state and findings."""

from __future__ import annotations

from fastapi import APIRouter

from statehub.api.deps import StoreDep
from statehub.api.schemas import ErrorBody
from statehub.documents import RepoOut
from statehub.errors import RepoNotFound
from statehub.store.repos import RepoRecord, get_repo, list_repos

router = APIRouter(prefix="/repos", tags=["repos"])


def _out(record: RepoRecord) -> RepoOut:
    return RepoOut.model_validate(record)


@router.get("", response_model=list[RepoOut])
def all_repos(store: StoreDep) -> list[RepoOut]:
    """Every registered repo, by name."""
    with store.reading() as db:
        return [_out(r) for r in list_repos(db)]


@router.get("/{name}", response_model=RepoOut, responses={404: {"model": ErrorBody}})
def one_repo(name: str, store: StoreDep) -> RepoOut:
    """One repo: last checked, last changed, last observed state, findings."""
    if "\x00" in name:  # no registered name can hold one, and PostgreSQL cannot compare it
        raise RepoNotFound(name)
    with store.reading() as db:
        return _out(get_repo(db, name=name))
