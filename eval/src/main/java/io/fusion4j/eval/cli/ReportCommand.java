package io.fusion4j.eval.cli;

import io.fusion4j.eval.suite.SuitePlan;
import io.fusion4j.eval.suite.SuiteReport;
import io.fusion4j.eval.suite.SuiteSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/** {@code fusion4j report}: rebuilds an evaluation folder's report from what its runs logged, training nothing. */
@Command(name = "report", description = "Rebuild report.md, report.html and summary.json of an 'eval' folder from its"
        + " runs' metrics and scores (nothing is trained or sampled).")
final class ReportCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "The folder 'fusion4j eval' wrote.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        SuiteSettings settings = SuiteSettings.read(out);
        SuitePlan plan = settings.plan(out, List.of());
        // NaN: this invocation trains nothing, so the report states only the eval invocations' wall time.
        var written = SuiteReport.write(plan, out, settings, List.of(), Double.NaN);
        o.printf("report: %s and %s (summary: %s)%n", written.markdown(), written.html(), out.resolve(
                SuiteReport.SUMMARY));
        return 0;
    }
}
