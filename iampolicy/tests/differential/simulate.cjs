// Decide a batch of requests with @cloud-copilot/iam-simulate, the independent evaluator that
// iampolicy's differential test compares against. Reads a JSON array of cases on stdin, writes a
// JSON array of answers on stdout, one per case and in the same order:
//   {"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"} or {"error": "..."}.
// One process for the whole batch: the test starts node once.
'use strict'
const { runSimulation } = require('@cloud-copilot/iam-simulate')

function simulation(item) {
  return {
    request: {
      principal: item.principal,
      action: item.action,
      resource: { resource: item.resource, accountId: item.resourceAccount },
      contextVariables: item.context || {}
    },
    identityPolicies: (item.identity || []).map((policy, i) => ({ name: `identity${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: item.resourcePolicy || undefined
  }
}

async function decide(item) {
  try {
    const answer = await runSimulation(simulation(item), { simulationMode: 'Strict' })
    if (answer.resultType === 'error') {
      return { error: JSON.stringify(answer.errors) }
    }
    const ignored = answer.resultType === 'single' ? answer.result.ignoredContextKeys || [] : []
    return { decision: answer.overallResult, ignoredContextKeys: ignored }
  } catch (problem) {
    return { error: String((problem && problem.stack) || problem) }
  }
}

async function main() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  const items = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const answers = []
  for (const item of items) answers.push(await decide(item))
  process.stdout.write(JSON.stringify(answers))
}

main().catch((problem) => {
  process.stderr.write(String((problem && problem.stack) || problem) + '\n')
  process.exit(1)
})
