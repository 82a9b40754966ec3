package io.fusion4j.eval.report;

/** What a section holds: text, a table, a chart, a picture or preformatted text. */
public sealed interface Block permits Paragraph, Table, Chart, Picture, Preformatted {
}
