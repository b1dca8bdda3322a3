// Prints one plain closing line CI can read: "jest: N passed, N failed".
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suffix = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed${suffix}\n`,
    );
  }
}
module.exports = SummaryReporter;
