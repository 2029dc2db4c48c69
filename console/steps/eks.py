"""``eks_cluster``: an EKS cluster for the trainee, with an optional node group.

The cluster and the node group are created with their ownership tags in the create calls
themselves, so an untagged cluster or node group is never one of ours, even after a crash: it is
refused, never adopted. A cluster still CREATING after a crash is simply waited for.

Teardown: a cluster cannot be deleted while it has node groups or Fargate profiles. Those live
inside the cluster, like the objects in a bucket, so when the cluster is ours everything in it is
deleted first, whoever added it (a trainee's own node group included); the plan lists each one.
Kubernetes versions are never changed by ``apply``: an adopted cluster on another version is
reported as Drifted, since an upgrade is one minor version at a time and the operator's call.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from console.steps import ownership
from console.steps.base import (
    ApplyResult,
    CheckResult,
    Drifted,
    PlannedDeletion,
    StepContext,
    StepKind,
    resource_name,
)
from console.steps.calls import every, found_after_all, is_missing, wait

MISSING = "ResourceNotFoundException"
IN_USE = ("ResourceInUseException",)


@dataclass(frozen=True)
class Part:
    """A kind of thing inside a cluster that blocks its deletion, and the calls that manage it."""

    label: str
    lister: str
    list_key: str
    describer: str
    name_param: str
    answer_key: str
    arn_key: str
    deleter: str
    deleted_waiter: str


NODE_GROUP = Part(
    "node group",
    "list_nodegroups",
    "nodegroups",
    "describe_nodegroup",
    "nodegroupName",
    "nodegroup",
    "nodegroupArn",
    "delete_nodegroup",
    "nodegroup_deleted",
)
FARGATE_PROFILE = Part(
    "Fargate profile",
    "list_fargate_profiles",
    "fargateProfileNames",
    "describe_fargate_profile",
    "fargateProfileName",
    "fargateProfile",
    "fargateProfileArn",
    "delete_fargate_profile",
    "fargate_profile_deleted",
)


async def _describe(call, key: str, **params) -> dict | None:
    """The described resource, or None when EKS answers ResourceNotFoundException."""
    try:
        return (await call(**params))[key]
    except ClientError as exc:
        if is_missing(exc, MISSING):
            return None
        raise


async def _cluster(eks, name: str) -> dict | None:
    return await _describe(eks.describe_cluster, "cluster", name=name)


async def _part(eks, part: Part, cluster: str, name: str) -> dict | None:
    return await _describe(
        getattr(eks, part.describer),
        part.answer_key,
        clusterName=cluster,
        **{part.name_param: name},
    )


async def _contents(eks, cluster: str) -> list[tuple[Part, dict]]:
    """Every node group and Fargate profile of the cluster, described."""
    found = []
    for part in (NODE_GROUP, FARGATE_PROFILE):
        for name in await every(eks, part.lister, part.list_key, clusterName=cluster):
            described = await _part(eks, part, cluster, name)
            if described is not None:
                found.append((part, described))
    return found


def _part_line(part: Part, cluster: str, described: dict) -> PlannedDeletion:
    name = described[part.name_param]
    return ownership.to_delete(
        f"EKS {part.label} {cluster}/{name}", described.get(part.arn_key), "inside our cluster"
    )


class EksCluster(StepKind):
    """An EKS cluster, waited for until ACTIVE, with an optional node group."""

    kind = "eks_cluster"

    async def apply(self, ctx: StepContext) -> ApplyResult:
        """Create the cluster (tagged) or adopt ours, wait until ACTIVE, then the node group."""
        eks, name = await ctx.client(self.service), resource_name(ctx)
        cluster = await _cluster(eks, name)
        if cluster is not None:
            ownership.refuse_unless_ours(ctx, self.resource(ctx), cluster.get("tags") or {})
            if cluster.get("status") == "DELETING":  # a teardown was interrupted: let it finish
                ctx.progress(f"waiting for the old cluster {name} to be deleted")
                await wait(eks, "cluster_deleted", f"{self.resource(ctx)} to be deleted", name=name)
                cluster = None
        created = False
        if cluster is None:
            cluster, created = await self._create_cluster(ctx, eks, name)
        if not created:
            self._refuse_other_version(ctx, cluster)
        ctx.progress(f"waiting for EKS cluster {name} to become ACTIVE")
        await wait(eks, "cluster_active", f"{self.resource(ctx)} to become ACTIVE", name=name)
        if ctx.params.get("nodegroup"):
            await self._apply_node_group(ctx, eks, name)
        return ApplyResult(cluster["arn"], created)

    async def _create_cluster(self, ctx: StepContext, eks, name: str) -> tuple[dict, bool]:
        """Create the cluster; (the cluster, True), or (ours, False) when a retry whose first
        attempt made it hears ResourceInUseException (botocore resends one clientRequestToken,
        which EKS honours; adopted only with our tags)."""
        ctx.progress(f"creating EKS cluster {name}")
        try:
            answer = await eks.create_cluster(
                name=name,
                roleArn=ctx.params["role_arn"],
                version=str(ctx.params["version"]),
                resourcesVpcConfig={"subnetIds": list(ctx.params.get("subnet_ids") or ())},
                tags=ctx.tags,
            )
        except ClientError as exc:
            found = await found_after_all(exc, IN_USE, lambda: _cluster(eks, name))
            ownership.refuse_unless_ours(ctx, self.resource(ctx), found.get("tags") or {})
            return found, False
        return answer["cluster"], True

    def _refuse_other_version(self, ctx: StepContext, cluster: dict) -> None:
        wanted, actual = str(ctx.params["version"]), str(cluster.get("version"))
        if actual != wanted:
            raise Drifted(
                f"{self.resource(ctx)} runs Kubernetes {actual}, the course asks for {wanted}. "
                "whodidthis does not upgrade clusters: upgrade it one minor version at a time "
                "(aws eks update-cluster-version), or tear it down and apply again."
            )

    async def _apply_node_group(self, ctx: StepContext, eks, cluster: str) -> None:
        """Create the node group (tagged) or adopt ours, and wait until it is ACTIVE."""
        name = str(ctx.params["nodegroup"])
        resource = f"EKS node group {cluster}/{name}"
        found = await _part(eks, NODE_GROUP, cluster, name)
        if found is None:
            ctx.progress(f"creating node group {name} in {cluster}")
            try:
                await eks.create_nodegroup(
                    clusterName=cluster,
                    nodegroupName=name,
                    nodeRole=ctx.params.get("node_role_arn") or ctx.params["role_arn"],
                    subnets=list(ctx.params.get("subnet_ids") or ()),
                    tags=ctx.tags,
                )
            except ClientError as exc:  # a retry whose first attempt made it: ours if tagged
                found = await found_after_all(
                    exc, IN_USE, lambda: _part(eks, NODE_GROUP, cluster, name)
                )
        if found is not None:
            ownership.refuse_unless_ours(ctx, resource, found.get("tags") or {})
        ctx.progress(f"waiting for node group {name} to become ACTIVE")
        await wait(
            eks,
            "nodegroup_active",
            f"{resource} to become ACTIVE",
            clusterName=cluster,
            nodegroupName=name,
        )

    async def check(self, ctx: StepContext) -> CheckResult:
        """The cluster exists, is ours, ACTIVE, on the course's version; so is the node group."""
        eks, name = await ctx.client(self.service), resource_name(ctx)
        cluster = await _cluster(eks, name)
        if cluster is None:
            return CheckResult(False, None, (f"{self.resource(ctx)} does not exist",))
        if not ctx.is_ours(cluster.get("tags")):
            return CheckResult(False, cluster["arn"], (f"{self.resource(ctx)} is not ours",))
        problems = []
        if cluster.get("status") != "ACTIVE":
            problems.append(f"the cluster is {cluster.get('status')}, not ACTIVE")
        if str(cluster.get("version")) != str(ctx.params["version"]):
            problems.append(
                f"the cluster runs Kubernetes {cluster.get('version')}, not {ctx.params['version']}"
            )
        if ctx.params.get("nodegroup"):
            problems += await self._check_node_group(ctx, eks, name)
        return CheckResult(not problems, cluster["arn"], tuple(problems))

    @staticmethod
    async def _check_node_group(ctx: StepContext, eks, cluster: str) -> list[str]:
        name = str(ctx.params["nodegroup"])
        found = await _part(eks, NODE_GROUP, cluster, name)
        if found is None:
            return [f"node group {name} does not exist"]
        if not ctx.is_ours(found.get("tags")):
            return [f"node group {name} is not ours"]
        if found.get("status") != "ACTIVE":
            return [f"node group {name} is {found.get('status')}, not ACTIVE"]
        return []

    async def plan_teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """The node groups and Fargate profiles, then the cluster, if ours; or why kept."""
        eks, name = await ctx.client(self.service), resource_name(ctx)
        cluster = await _cluster(eks, name)
        if cluster is None:
            return [ownership.gone(self.resource(ctx))]
        if not ctx.is_ours(cluster.get("tags")):
            return [ownership.kept(self.resource(ctx), cluster["arn"], cluster.get("tags") or {})]
        lines = [_part_line(part, name, found) for part, found in await _contents(eks, name)]
        return lines + [ownership.to_delete(self.resource(ctx), cluster["arn"])]

    async def teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """Delete the node groups and Fargate profiles, then the cluster; wait until gone."""
        eks, name = await ctx.client(self.service), resource_name(ctx)
        plan = await self.plan_teardown(ctx)
        if not (plan[-1].ours and plan[-1].exists):
            return plan
        await self._delete_contents(ctx, eks, name)
        cluster = await _cluster(eks, name)
        if cluster is not None and cluster.get("status") != "DELETING":
            ctx.progress(f"deleting EKS cluster {name}")
            await _delete(eks.delete_cluster, name=name)
        await wait(eks, "cluster_deleted", f"{self.resource(ctx)} to be deleted", name=name)
        return [ownership.deleted(line) for line in plan]

    @staticmethod
    async def _delete_contents(ctx: StepContext, eks, cluster: str) -> None:
        """Node groups are deleted together, then waited for; Fargate profiles one at a time,
        because EKS deletes only one Fargate profile of a cluster at a time."""
        contents = await _contents(eks, cluster)
        groups = [found["nodegroupName"] for part, found in contents if part is NODE_GROUP]
        for part, found in contents:
            if part is not NODE_GROUP or found.get("status") == "DELETING":
                continue
            group = found["nodegroupName"]
            ctx.progress(f"deleting node group {group} of {cluster}")
            await _delete(eks.delete_nodegroup, clusterName=cluster, nodegroupName=group)
        for group in groups:
            await wait(
                eks,
                "nodegroup_deleted",
                f"node group {cluster}/{group} to be deleted",
                clusterName=cluster,
                nodegroupName=group,
            )
        for part, found in contents:
            if part is FARGATE_PROFILE:
                profile = found["fargateProfileName"]
                if found.get("status") != "DELETING":
                    ctx.progress(f"deleting Fargate profile {profile} of {cluster}")
                    await _delete(
                        eks.delete_fargate_profile, clusterName=cluster, fargateProfileName=profile
                    )
                await wait(
                    eks,
                    "fargate_profile_deleted",
                    f"Fargate profile {cluster}/{profile} to be deleted",
                    clusterName=cluster,
                    fargateProfileName=profile,
                )


async def _delete(call, **params) -> None:
    """Ask for a deletion; already gone (an earlier or parallel teardown) is fine."""
    try:
        await call(**params)
    except ClientError as exc:
        if not is_missing(exc, MISSING):
            raise
