"""What a step kind is, as data: its parameters, its AWS service, its calls and its resource.

A ``KindSpec`` says everything the rest of the console needs to know about a kind without
running it: the course file's schema, ``ManageEnvRole``'s policy, the teardown sweep, the report,
the trace and the demo all read their tables off the specs (``console.kinds``). What a kind
*does* (apply, check, tear down) is its behaviour class in ``console.steps``.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.kinds.params import ParamSpec


@dataclass(frozen=True)
class KindSpec:
    """One step kind.

    Attributes:
        kind: the course file's ``kind = "..."``.
        doc: what it builds, for the course reference.
        noun: how a sentence names one, before its name: ``IAM user`` (``IAM user alice``).
        service: the AWS service: its botocore client name, which is also its IAM action prefix.
        create: the operation that creates its resource, as the ledger records it: the call
            whose caller the report names as the resource's creator.
        actions: the IAM actions the kind calls in a trainee account (build, check, repair,
            teardown); ``ManageEnvRole`` must allow them.
        arn: its resource's ARN as a format string over ``{partition}``, ``{region}``,
            ``{account}`` and ``{name}`` (``{path}`` for IAM's paths, ``{id}`` for a suffix
            AWS chooses).
        tagging_type: ``service:type`` as the Resource Groups Tagging API names it, and as the
            sweep reads it off an ARN.
        cloudtrail_type: the ``ResourceType`` CloudTrail's events give the resource.
        cloudformation_type: the resource type a template would declare for it.
        params: its parameters, in the order the reference lists them.
        sweep_deletes: whether a leftover of its type found by the teardown sweep is deleted
            through this kind's teardown (which deletes only what carries our tags).
        template_param: the parameter naming a template file beside the course file, if any:
            the file is checked when the course loads and its resources add to the policy.
        global_names: whether its names are global across accounts, so every trainee needs a
            name of its own.
    """

    kind: str
    doc: str
    noun: str
    service: str
    create: str
    actions: tuple[str, ...]
    arn: str
    tagging_type: str
    cloudtrail_type: str
    cloudformation_type: str
    params: dict[str, ParamSpec]
    sweep_deletes: bool = True
    template_param: str | None = None
    global_names: bool = False
