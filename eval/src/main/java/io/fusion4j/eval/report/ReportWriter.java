package io.fusion4j.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link Report} to a folder: {@code report.md} (GitHub-flavoured, images under {@code plots/}) and
 * {@code report.html}, one self-contained file (inline CSS, images as {@code data:} URIs, nothing fetched). Every chart
 * is drawn and every picture read before anything is written; each file is written to a temporary name and moved
 * into place, plots first, so a crash leaves either the old report or the new one, never half of one.
 */
public final class ReportWriter {
    static final String PLOTS = "plots";
    private static final byte[] PNG_SIGNATURE = {(byte) 137, 80, 78, 71, 13, 10, 26, 10};
    private static final long MAX_PICTURE_BYTES = 64L << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ReportWriter() {
    }

    /** Writes {@code report} into {@code dir}, drawing its plots when this runtime can ({@link Plotting}). */
    public static Written write(Report report, Path dir) throws IOException {
        return write(report, dir, Plotting.available());
    }

    /** As {@link #write(Report, Path)}; with {@code drawPlots} false each chart is a note saying why it is missing. */
    static Written write(Report report, Path dir, boolean drawPlots) throws IOException {
        Map<Block, String> names = new IdentityHashMap<>();
        Map<String, byte[]> images = new LinkedHashMap<>();
        collect(report, names, images, drawPlots);

        Files.createDirectories(dir.resolve(PLOTS));
        List<Path> plots = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : images.entrySet()) {
            Path p = dir.resolve(PLOTS).resolve(e.getKey());
            atomicWrite(p, e.getValue());
            plots.add(p);
        }
        Path md = dir.resolve("report.md");
        Path html = dir.resolve("report.html");
        atomicWrite(md, markdown(report, names).getBytes(StandardCharsets.UTF_8));
        atomicWrite(html, html(report, names, images).getBytes(StandardCharsets.UTF_8));
        return new Written(md, html, plots);
    }

    /** Draws every chart and reads every picture, naming each file under plots/; refuses a name used twice. */
    private static void collect(Report report, Map<Block, String> names, Map<String, byte[]> images, boolean drawPlots)
            throws IOException {
        Set<String> chartNames = new HashSet<>();
        for (Section s : report.sections()) {
            for (Block b : s.blocks()) {
                if (b instanceof Chart c && !chartNames.add(c.file().toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("Chart file '" + c.file() + "' is used by two charts (section '"
                            + s.title() + "')");
                }
            }
        }
        Set<String> taken = new HashSet<>(chartNames);
        for (Section s : report.sections()) {
            for (Block b : s.blocks()) {
                switch (b) {
                    case Chart c -> {
                        if (drawPlots) {
                            names.put(b, c.file());
                            images.put(c.file(), ChartRenderer.png(c.spec()));
                        }
                    }
                    case Picture p -> {
                        String name = pictureName(p.source(), taken);
                        names.put(b, name);
                        images.put(name, readPng(p.source()));
                    }
                    default -> {
                    }
                }
            }
        }
    }

    private static String pictureName(Path source, Set<String> taken) {
        Path fileName = source.getFileName();
        String base = fileName == null ? "picture" : fileName.toString();
        if (base.toLowerCase(Locale.ROOT).endsWith(".png")) {
            base = base.substring(0, base.length() - 4);
        }
        base = base.replaceAll("[^A-Za-z0-9_-]+", "-");
        if (base.isEmpty() || base.length() > 100) {
            base = "picture";
        }
        String name = base + ".png";
        for (int i = 2; !taken.add(name.toLowerCase(Locale.ROOT)); i++) {
            name = base + "-" + i + ".png";
        }
        return name;
    }

    private static byte[] readPng(Path source) throws IOException {
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException("Picture source " + source + " is not an existing file");
        }
        long size = Files.size(source);
        if (size > MAX_PICTURE_BYTES) {
            throw new IllegalArgumentException("Picture source " + source + " is " + size + " bytes, over " + MAX_PICTURE_BYTES);
        }
        byte[] bytes = Files.readAllBytes(source);
        if (bytes.length < PNG_SIGNATURE.length || !Arrays.equals(bytes, 0, PNG_SIGNATURE.length, PNG_SIGNATURE, 0, PNG_SIGNATURE.length)) {
            throw new IllegalArgumentException("Picture source " + source + " is not a PNG (no PNG signature)");
        }
        return bytes;
    }

    private static void atomicWrite(Path target, byte[] bytes) throws IOException {
        // Not Files.createTempFile: its owner-only permissions would stay on the report after the move.
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    // ---- Markdown ----

    static String markdown(Report report, Map<Block, String> names) {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(mdText(mdLine(report.title()))).append("\n\n");
        for (Section s : report.sections()) {
            out.append("## ").append(mdText(mdLine(s.title()))).append("\n\n");
            for (Block b : s.blocks()) {
                switch (b) {
                    case Paragraph p -> {
                        for (String para : paragraphs(p.markdownLite())) {
                            out.append(mdInline(para)).append("\n\n");
                        }
                    }
                    case Table t -> {
                        out.append(mdRow(t.header())).append("\n|");
                        for (int i = 0; i < t.header().size(); i++) {
                            out.append(" --- |");
                        }
                        out.append('\n');
                        for (List<String> row : t.rows()) {
                            out.append(mdRow(row)).append('\n');
                        }
                        out.append('\n');
                        caption(out, t.caption());
                    }
                    case Chart c -> {
                        if (names.containsKey(b)) {
                            image(out, c.caption(), names.get(b));
                        } else {
                            out.append("> ").append(mdInline(mdLine(c.caption()))).append(" — ")
                                    .append(mdInline(Plotting.MISSING)).append("\n\n");
                        }
                    }
                    case Picture p -> image(out, p.caption(), names.get(b));
                    case Preformatted p -> {
                        String fence = "`".repeat(Math.max(3, longestRun(p.text(), '`') + 1));
                        out.append(fence).append('\n').append(p.text());
                        if (!p.text().endsWith("\n")) {
                            out.append('\n');
                        }
                        out.append(fence).append("\n\n");
                    }
                }
            }
        }
        return out.toString();
    }

    private static void image(StringBuilder out, String caption, String file) {
        String alt = mdText(mdLine(caption));
        out.append("![").append(alt).append("](").append(PLOTS).append('/').append(file).append(")\n\n");
        caption(out, caption);
    }

    private static void caption(StringBuilder out, String caption) {
        if (!caption.isBlank()) {
            out.append('*').append(mdInline(mdLine(caption))).append("*\n\n");
        }
    }

    private static String mdRow(List<String> cells) {
        StringBuilder row = new StringBuilder("|");
        for (String c : cells) {
            row.append(' ').append(mdInline(mdLine(c)).replace("|", "\\|")).append(" |");
        }
        return row.toString();
    }

    /** Paragraph text for Markdown: bold and code kept, HTML in the text escaped (GitHub would otherwise take it). */
    private static String mdInline(String markdownLite) {
        StringBuilder out = new StringBuilder();
        for (MarkdownLite.Run r : MarkdownLite.parse(markdownLite)) {
            switch (r.kind()) {
                case TEXT -> out.append(mdText(r.text()));
                case BOLD -> out.append("**").append(mdText(r.text())).append("**");
                case CODE -> {
                    String ticks = "`".repeat(longestRun(r.text(), '`') + 1);
                    String pad = r.text().startsWith("`") || r.text().endsWith("`") ? " " : "";
                    out.append(ticks).append(pad).append(r.text()).append(pad).append(ticks);
                }
            }
        }
        return out.toString();
    }

    /**
     * Plain text for Markdown: what would start emphasis, code or a link is backslash-escaped, and angle brackets
     * become entities, so GitHub shows a tag in the text instead of taking it as HTML.
     */
    private static String mdText(String s) {
        return s.replaceAll("([\\\\`*_\\[\\]])", "\\\\$1").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String mdLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static List<String> paragraphs(String text) {
        List<String> out = new ArrayList<>();
        for (String p : text.split("\\R\\s*\\R")) {
            if (!p.isBlank()) {
                out.add(p.strip());
            }
        }
        return out;
    }

    private static int longestRun(String s, char ch) {
        int best = 0;
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            run = s.charAt(i) == ch ? run + 1 : 0;
            best = Math.max(best, run);
        }
        return best;
    }

    // ---- HTML ----

    static String html(Report report, Map<Block, String> names, Map<String, byte[]> images) {
        StringBuilder out = new StringBuilder(1 << 16);
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(htmlEscape(report.title())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n")
                .append("<h1>").append(htmlEscape(report.title())).append("</h1>\n");
        List<Section> sections = report.sections();
        if (!sections.isEmpty()) {
            out.append("<nav class=\"toc\">\n<h2>Contents</h2>\n<ol>\n");
            for (int i = 0; i < sections.size(); i++) {
                out.append("<li><a href=\"#").append(anchor(i)).append("\">").append(htmlEscape(sections.get(i).title()))
                        .append("</a></li>\n");
            }
            out.append("</ol>\n</nav>\n");
        }
        Base64.Encoder b64 = Base64.getEncoder();
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            out.append("<section id=\"").append(anchor(i)).append("\">\n<h2>").append(htmlEscape(s.title())).append("</h2>\n");
            for (Block b : s.blocks()) {
                switch (b) {
                    case Paragraph p -> {
                        for (String para : paragraphs(p.markdownLite())) {
                            out.append("<p>").append(htmlInline(para)).append("</p>\n");
                        }
                    }
                    case Table t -> {
                        out.append("<div class=\"table\"><table>\n");
                        if (!t.caption().isBlank()) {
                            out.append("<caption>").append(htmlInline(t.caption())).append("</caption>\n");
                        }
                        out.append("<thead><tr>");
                        for (String h : t.header()) {
                            out.append("<th>").append(htmlInline(h)).append("</th>");
                        }
                        out.append("</tr></thead>\n<tbody>\n");
                        for (List<String> row : t.rows()) {
                            out.append("<tr>");
                            for (String c : row) {
                                out.append(numeric(c) ? "<td class=\"num\">" : "<td>").append(htmlInline(c)).append("</td>");
                            }
                            out.append("</tr>\n");
                        }
                        out.append("</tbody>\n</table></div>\n");
                    }
                    case Chart c -> {
                        if (names.containsKey(b)) {
                            figure(out, "chart", c.caption(), images.get(names.get(b)), b64);
                        } else {
                            out.append("<p class=\"missing\">").append(htmlInline(c.caption())).append(" — ")
                                    .append(htmlInline(Plotting.MISSING)).append("</p>\n");
                        }
                    }
                    case Picture p -> figure(out, "picture", p.caption(), images.get(names.get(b)), b64);
                    case Preformatted p -> out.append("<pre>").append(htmlEscape(p.text())).append("</pre>\n");
                }
            }
            out.append("</section>\n");
        }
        out.append("</main>\n</body>\n</html>\n");
        return out.toString();
    }

    private static void figure(StringBuilder out, String kind, String caption, byte[] png, Base64.Encoder b64) {
        out.append("<figure class=\"").append(kind).append("\"><img alt=\"").append(htmlEscape(caption)).append("\" src=\"data:image/png;base64,")
                .append(b64.encodeToString(png)).append("\">");
        if (!caption.isBlank()) {
            out.append("<figcaption>").append(htmlInline(caption)).append("</figcaption>");
        }
        out.append("</figure>\n");
    }

    private static boolean numeric(String cell) {
        return cell.strip().matches("[-+±]?[0-9][0-9.,]*(e[-+]?[0-9]+)?\\s*(%|×|x)?(\\s*±\\s*[0-9.,]+%?)?");
    }

    private static String anchor(int i) {
        return "section-" + (i + 1);
    }

    static String htmlInline(String markdownLite) {
        StringBuilder out = new StringBuilder();
        for (MarkdownLite.Run r : MarkdownLite.parse(markdownLite)) {
            switch (r.kind()) {
                case TEXT -> out.append(htmlEscape(r.text()));
                case BOLD -> out.append("<strong>").append(htmlEscape(r.text())).append("</strong>");
                case CODE -> out.append("<code>").append(htmlEscape(r.text())).append("</code>");
            }
        }
        return out.toString();
    }

    static String htmlEscape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String CSS = """
            :root { color-scheme: light; }
            body { margin: 0; background: #f6f7f9; color: #1f2328;
              font: 15px/1.55 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
            main { max-width: 960px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; min-height: 100vh;
              box-shadow: 0 0 0 1px #e4e6ea; }
            h1 { font-size: 28px; margin: 8px 0 16px; }
            h2 { font-size: 21px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #e4e6ea; }
            nav.toc { background: #f6f8fa; border: 1px solid #e4e6ea; border-radius: 6px; padding: 8px 20px; }
            nav.toc h2 { font-size: 15px; margin: 6px 0; border: 0; padding: 0; }
            nav.toc ol { margin: 4px 0 8px; padding-left: 22px; }
            a { color: #0969da; text-decoration: none; }
            a:hover { text-decoration: underline; }
            code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
            code { background: #eff1f3; padding: 1px 5px; border-radius: 4px; }
            pre { background: #f6f8fa; border: 1px solid #e4e6ea; border-radius: 6px; padding: 10px 14px; overflow-x: auto;
              white-space: pre; }
            div.table { overflow-x: auto; margin: 12px 0 20px; }
            table { border-collapse: collapse; font-size: 14px; }
            caption { caption-side: bottom; text-align: left; font-style: italic; color: #57606a; padding-top: 6px; }
            th, td { border: 1px solid #d0d7de; padding: 5px 12px; text-align: left; }
            th { background: #f6f8fa; font-weight: 600; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tbody tr:nth-child(even) { background: #fafbfc; }
            figure { margin: 16px 0 24px; }
            figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e4e6ea; }
            figure.picture img { min-width: min(320px, 100%); image-rendering: pixelated; }
            figcaption { font-style: italic; color: #57606a; margin-top: 6px; }
            """;
}
