package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.eval.report.Block;
import io.fusion4j.eval.report.Paragraph;
import io.fusion4j.eval.report.Preformatted;
import io.fusion4j.eval.report.Report;
import io.fusion4j.eval.report.ReportWriter;
import io.fusion4j.eval.report.Section;
import io.fusion4j.eval.report.Table;
import io.fusion4j.eval.report.Written;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds {@code report.md}, {@code report.html} and {@code summary.json} of an evaluation folder from what its runs
 * logged ({@code metrics.jsonl}, {@code evaluation.json}, the auxiliary routers' record): the suites' sections, then
 * the verdicts, then how it was run (settings, commands, machine, commit). Nothing is trained or sampled here, so
 * {@code fusion4j report} rebuilds the same report from the same files.
 */
public final class SuiteReport {
    public static final String SUMMARY = "summary.json";

    private SuiteReport() {
    }

    public static Written write(SuitePlan plan, Path out, SuiteSettings settings, List<String> backendArgs,
                                double wallSeconds) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode summary = json.createObjectNode();
        summary.put("settings", settings.describe());
        ArrayNode verdicts = summary.putArray("verdicts");
        List<Section> sections = new ArrayList<>();
        List<List<String>> verdictRows = new ArrayList<>();
        boolean moma = plan.variants().stream().anyMatch(v -> v.suite().equals("moma"));
        boolean transfusion = plan.variants().stream().anyMatch(v -> !v.suite().equals("moma"));
        if (moma) {
            sections.addAll(new MomaReport(plan, out).sections(summary.putObject("moma"), verdicts, verdictRows));
        }
        if (transfusion) {
            sections.addAll(new TransfusionReport(plan, out).sections(summary.putObject("transfusion"), verdicts,
                    verdictRows));
        }
        List<Block> head = new ArrayList<>();
        head.add(new Paragraph("Every number below was measured in this folder's runs (" + settings.describe()
                + "); the paper's figure stands beside each. A comparison is **reproduced** or **reversed** only when"
                + " the gap exceeds the seed spread (the larger range over seeds); otherwise it is **no significant"
                + " difference**, and with one seed the spread is not measured (**single seed**)."));
        head.add(new Table(List.of("claim", "verdict", "what we measured"), verdictRows, "The verdicts, from the"
                + " tables below"));
        sections.addFirst(new Section("Summary", head));
        sections.add(setup(plan, out, settings, backendArgs, wallSeconds, summary));
        Report report = new Report("fusion4j evaluation: " + settings.suite() + " suite, " + settings.preset()
                + " preset", sections);
        Written w = ReportWriter.write(report, out);
        CheckpointStore.writeAtomically(out.resolve(SUMMARY), json.writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(summary));
        return w;
    }

    private static Section setup(SuitePlan plan, Path out, SuiteSettings settings, List<String> backendArgs,
                                 double wallSeconds, ObjectNode summary) throws IOException {
        String cpu = cpuModel();
        String commit = commit();
        int threads = threads(backendArgs);
        double stepSeconds = stepSeconds(plan);
        SuiteInvocations.Total all = SuiteInvocations.total(out);
        List<List<String>> rows = List.of(
                List.of("settings", settings.describe()),
                List.of("budget", plan.budget().toString()),
                List.of("backend", backendArgs.isEmpty() ? "default (the best available)" : String.join(" ",
                        backendArgs)),
                List.of("machine", cpu + ", " + threads + " threads used, " + Runtime.getRuntime().availableProcessors()
                        + " processors"),
                List.of("java", System.getProperty("java.vm.name") + " " + Runtime.version()),
                List.of("commit of each eval invocation", all.commits().isEmpty() ? "not recorded"
                        : String.join(", ", all.commits())),
                List.of("commit of this report", commit),
                List.of("wall time, every eval invocation into this folder", all.invocations() == 0
                        ? "not recorded (no " + SuiteInvocations.FILE + ")" : SuiteRunner.clock(all.seconds())
                        + " (" + all.invocations() + (all.invocations() == 1 ? " invocation)" : " invocations)")),
                List.of("wall time of this invocation", Double.isNaN(wallSeconds)
                        ? "– (rebuilt by fusion4j report, nothing trained)" : SuiteRunner.clock(wallSeconds)),
                List.of("training step time, all runs", SuiteRunner.clock(stepSeconds)));
        ObjectNode m = summary.putObject("machine");
        m.put("cpu", cpu).put("threads", threads).put("commit", commit).put("wall_seconds", wallSeconds)
                .put("wall_seconds_all_invocations", all.seconds()).put("invocations", all.invocations())
                .put("step_seconds", stepSeconds);
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Table(List.of("", ""), rows, "How this report was made"));
        StringBuilder cmds = new StringBuilder();
        for (SuiteStep s : plan.steps()) {
            for (String line : s.shellLines()) {
                cmds.append(line).append('\n');
            }
        }
        blocks.add(new Paragraph("Each run is one of these commands (a user can rerun any of them alone); each"
                + " config file is in `configs/`."));
        blocks.add(new Preformatted(cmds.toString()));
        return new Section("How it was run", blocks);
    }

    private static double stepSeconds(SuitePlan plan) throws IOException {
        double s = 0;
        for (Variant v : plan.variants()) {
            if (Files.isRegularFile(v.run().resolve(RunMetrics.FILE))) {
                s += RunMetrics.read(v.run()).stepSeconds();
            }
        }
        return s;
    }

    private static int threads(List<String> backendArgs) {
        int i = backendArgs.indexOf("--threads");
        int t = i >= 0 ? Integer.parseInt(backendArgs.get(i + 1)) : 0;
        return t == 0 ? Runtime.getRuntime().availableProcessors() : t;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: say so below
        }
        return System.getProperty("os.arch") + " (model unknown)";
    }

    /** The commit of the working tree the command runs from, with "+changes" when it differs; "unknown" without git. */
    static String commit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String head = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) {
                return "unknown (not a git checkout)";
            }
            Process d = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true).start();
            String dirty = new String(d.getInputStream().readAllBytes()).strip();
            d.waitFor();
            return head + (dirty.isEmpty() ? "" : " +changes");
        } catch (IOException e) {
            return "unknown (git not found)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    static String f(double x, int digits) {
        return Double.isNaN(x) ? "–" : String.format(Locale.ROOT, "%." + digits + "f", x);
    }

    static JsonNode evaluation(Variant v) throws IOException {
        return SuiteEvaluation.read(v.run());
    }
}
