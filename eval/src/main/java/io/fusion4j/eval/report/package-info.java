/**
 * Reports of a run or a suite: a plain model ({@link io.fusion4j.eval.report.Report}, sections of
 * {@link io.fusion4j.eval.report.Block}s), charts drawn with JFreeChart ({@link io.fusion4j.eval.report.ChartRenderer}),
 * and {@link io.fusion4j.eval.report.ReportWriter}, which writes {@code report.md} with its PNGs under {@code plots/}
 * and one self-contained {@code report.html}. Rendering is headless; it needs {@code java.desktop} and fonts, so
 * reports are written on the CPU machine.
 */
package io.fusion4j.eval.report;
