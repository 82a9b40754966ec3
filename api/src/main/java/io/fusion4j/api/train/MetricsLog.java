package io.fusion4j.api.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code metrics.jsonl} of a run folder: one JSON object a line for every step ({@code "event":"step"}) and
 * validation pass ({@code "event":"validation"}), with every loss term and metric, so reports and plots are rebuilt
 * from it without the checkpoints. On resume the lines after the resumed step are dropped: they are trained again.
 */
final class MetricsLog implements AutoCloseable {
    static final String FILE = "metrics.jsonl";
    private static final Pattern STEP = Pattern.compile("\"step\":(\\d+)");
    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /** Opens the log of {@code dir}, keeping only the lines of steps {@code <= keepThrough}. */
    static MetricsLog open(Path dir, long keepThrough) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve(FILE);
        List<String> kept = new ArrayList<>();
        if (keepThrough > 0 && Files.exists(f)) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                Matcher m = STEP.matcher(line);
                if (m.find() && Long.parseLong(m.group(1)) <= keepThrough) {
                    kept.add(line);
                }
            }
        }
        Files.write(f, kept, StandardCharsets.UTF_8);
        return new MetricsLog(Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    void write(TrainEvent e) throws IOException {
        String line = switch (e) {
            case TrainEvent.Step s -> "{\"event\":\"step\",\"step\":" + s.step() + ",\"loss\":" + num(s.loss())
                    + losses(s.losses()) + ",\"lr\":" + num(s.lr()) + ",\"grad_norm\":" + num(s.gradNorm())
                    + ",\"tokens\":" + s.tokens() + ",\"seconds\":" + num(s.seconds()) + ",\"flops\":" + s.flops()
                    + ",\"total_flops\":" + s.totalFlops() + "}";
            case TrainEvent.Validation v -> "{\"event\":\"validation\",\"step\":" + v.step() + ",\"loss\":"
                    + num(v.loss()) + losses(v.losses()) + ",\"flops\":" + v.flops() + ",\"total_flops\":" + v.totalFlops() + "}";
            default -> null;
        };
        if (line != null) {
            out.write(line);
            out.newLine();
            out.flush();
        }
    }

    private static String losses(StepLosses l) {
        StringBuilder b = new StringBuilder(",\"terms\":{");
        for (int i = 0; i < l.terms().size(); i++) {
            LossTerm t = l.terms().get(i);
            b.append(i == 0 ? "" : ",").append(quote(t.name())).append(":{\"value\":").append(num(t.value()))
                    .append(",\"weight\":").append(num(t.weight())).append(",\"count\":").append(t.count()).append('}');
        }
        b.append("},\"metrics\":{");
        int i = 0;
        for (Map.Entry<String, Double> m : l.metrics().entrySet()) {
            b.append(i++ == 0 ? "" : ",").append(quote(m.getKey())).append(':').append(num(m.getValue()));
        }
        return b.append('}').toString();
    }

    private static String num(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.9g", d) : "null";
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
