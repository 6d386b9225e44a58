"""Per-skill staffing groups (SIM7): which agents a plan may add, and whose chats each
group answers for.

A plan staffs *groups*: the scenario's agent groups alike in what routing sees and how they
work (skills, teams, seat, capacity, speed curve) make one group each — ``en``, ``nb``,
``billing+en`` —, named by their skills. Each *chat type* (a chatflow on a page, or the
single stream of a plain pool) may go to the groups the domain's routing rules make eligible
(:func:`routing.eligible_agents`); the chat types with the same eligible groups are a
*queue*. Every queue has a *home* group that answers for it: of its eligible groups, the one
that is eligible for the fewest queues (the most dedicated), then the one with the fewest
skills, then the largest as written. A group is judged on its home queues' KPIs and staffed
for their demand.

A group that is home to no queue — a multi-skilled group whose every queue has a more
dedicated home — is *kept as written*: its agents work their shifts as in the scenario and
help wherever routing sends them. With ``one_pool`` (``--group ID``) the plan is one group
instead: copies of that agent group with every skill and team, so any chat may go to any
agent, as Erlang assumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from reference_server.domain.chatflow import AssignmentSettings
from reference_server.domain.display import Device
from reference_server.domain.routing import Agent, AgentStatus, ConversationRequest, eligible_agents
from reference_server.domain.targeting import PageView, Visitor, select_chatflow

from ..scenario import AgentGroup, Scenario, ScenarioKind
from .targets import StaffingError

__all__ = ["ChatType", "StaffGroup", "chat_types", "staff_groups"]

_PLAIN = ("", "")  # the chat type of a plain pool: no chatflow, no page


@dataclass(frozen=True)
class StaffGroup:
    """A group a plan staffs (or keeps as written): ``template`` is what each planned agent
    copies (no shifts); ``written`` the scenario's groups it stands for; ``home`` the chat
    types it answers for (``(chatflow id, page url)``)."""

    id: str
    template: AgentGroup
    written: tuple[AgentGroup, ...]
    planned: bool
    home: frozenset[tuple[str, str]]

    @property
    def written_ids(self) -> tuple[str, ...]:
        return tuple(agent_id for group in self.written for agent_id in group.agent_ids)


@dataclass(frozen=True)
class ChatType:
    """Chats of one chatflow on one page (``("", "")`` in a plain pool): how routing sees
    them."""

    key: tuple[str, str]
    assignment: AssignmentSettings
    properties: Mapping[str, str]


def chat_types(scenario: Scenario) -> list[ChatType]:
    """Every kind of chat the scenario can start — a chatflow on a page where targeting
    selects it for some device and kind of visitor (TG1-TG6) — with the routing properties
    the simulator gives it (the same as :class:`~simulator.site.Site`)."""
    if scenario.kind is ScenarioKind.PLAIN_POOL:
        return [ChatType(_PLAIN, scenario.assignment, {})]
    types = []
    for page in scenario.traffic.pages:
        shown: list[str] = []
        for device in Device:
            for segment in scenario.traffic.segments:
                visitor = Visitor(segment.known, segment.properties)
                chosen = select_chatflow(
                    scenario.chatflows, PageView(page.url, device.value, visitor)
                )
                if chosen is not None and chosen.id not in shown:
                    shown.append(chosen.id)
        for flow in scenario.chatflows:
            if flow.id in shown:
                properties = {"language": flow.language.value, "page": page.url}
                properties.update(page.properties)
                types.append(ChatType((flow.id, page.url), flow.build.assignment, properties))
    return types


def _profile(group: AgentGroup) -> tuple[object, ...]:
    # What routing sees and how an agent works: agents alike in these are one group.
    return (
        tuple(sorted(group.skills)),
        tuple(sorted(group.team_ids)),
        group.has_seat,
        group.capacity,
        group.speed,
    )


def _name(groups: Sequence[AgentGroup], taken: set[str]) -> str:
    skills = sorted(groups[0].skills)
    name = "+".join(skills) if skills else groups[0].id
    if name in taken:
        name = groups[0].id
    while name in taken:
        name += "'"
    taken.add(name)
    return name


def _probe(group: AgentGroup, name: str) -> Agent:
    return Agent(
        id=name,
        status=AgentStatus.AVAILABLE,
        capacity=group.capacity,
        has_seat=group.has_seat,
        team_ids=frozenset(group.team_ids),
        skills=frozenset(group.skills),
    )


def staff_groups(scenario: Scenario, one_pool: str | None = None) -> tuple[StaffGroup, ...]:
    """The groups a plan of ``scenario`` staffs (see the module docstring); ``one_pool``:
    the id of the agent group whose copies, with every skill and team, are the one group."""
    written = [group for group in scenario.agents if group.count > 0] or list(scenario.agents)
    types = chat_types(scenario)
    if one_pool is not None:
        chosen = [g for g in scenario.agents if g.id == one_pool]
        if not chosen:
            names = ", ".join(g.id for g in scenario.agents) or "none"
            raise StaffingError(f"no agent group {one_pool!r} in the scenario (groups: {names})")
        skills = tuple(sorted({skill for g in scenario.agents for skill in g.skills}))
        teams = tuple(sorted({team for g in scenario.agents for team in g.team_ids}))
        template = replace(chosen[0], skills=skills, team_ids=teams, shifts=())
        home = frozenset(t.key for t in types)
        return (StaffGroup(chosen[0].id, template, tuple(scenario.agents), True, home),)

    by_profile: dict[tuple[object, ...], list[AgentGroup]] = {}
    for group in written:
        by_profile.setdefault(_profile(group), []).append(group)
    taken: set[str] = set()
    named = [(_name(groups, taken), groups) for groups in by_profile.values()]
    probes = [_probe(groups[0], name) for name, groups in named]

    # The queue of each chat type: the groups routing makes eligible for it.
    queues: dict[frozenset[str], list[tuple[str, str]]] = {}
    for kind in types:
        request = ConversationRequest("probe", kind.properties)
        eligible = frozenset(a.id for a in eligible_agents(kind.assignment, probes, request))
        if eligible:
            queues.setdefault(eligible, []).append(kind.key)
    serving = {name: sum(name in queue for queue in queues) for name, _ in named}
    size = {name: sum(g.count for g in members) for name, members in named}
    skill_count = {name: len(members[0].skills) for name, members in named}
    homes: dict[str, set[tuple[str, str]]] = {name: set() for name, _ in named}
    for queue, keys in queues.items():
        chosen_name = min(queue, key=lambda n: (serving[n], skill_count[n], -size[n], n))
        homes[chosen_name].update(keys)
    return tuple(
        StaffGroup(
            name,
            replace(groups[0], id=name, count=1, shifts=()),
            tuple(groups),
            bool(homes[name]),
            frozenset(homes[name]),
        )
        for name, groups in named
    )
