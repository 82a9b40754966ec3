/**
 * The numbers a report states: Fréchet distance between feature sets, corpus-level CIDEr-D, the FLOPs savings
 * η of the MoMa paper, seed statistics, and verdicts that compare a variant with a baseline against the seed
 * spread. Pure functions of their inputs; no model, backend or file is touched here.
 */
package io.fusion4j.eval.metrics;
