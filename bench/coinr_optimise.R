# COINr's weight optimisation (get_opt_weights, optype "balance", its defaults) on COINr's
# ASEM example, for the reference test tests/test_optimise.py. A one-off: the project
# needs no R. Its output is committed in tests/fixtures/coinr_asem/.
#
#   git -C <COINr repo> archive <commit> | tar -x -C /tmp/coinr && R CMD INSTALL /tmp/coinr
#   Rscript bench/coinr_optimise.R tests/fixtures/coinr_asem <COINr commit>
#
# The coin is COINr's example coin (build_example_coin(): denominate, impute by group mean,
# screen units, treat, min-max [0, 100], arithmetic means). Four cases: the pillar level (2)
# and the sub-index level (3), equal targets ("equal") and unequal ones. Written:
#   iData.csv, iMeta.csv   COINr's ASEM_iData and ASEM_iMeta as they ship
#   normalised.csv         the coin's "Normalised" data set (what Aggregate() aggregates)
#   aggregated.csv         the aggregates of its "Aggregated" data set (nominal weights): the conversion's check
#   cases.csv              per case and component: the target as COINr matched it, COINr's
#                          optimised weight (sum 1 at the level) and the correlation with the
#                          index at that weight (weights2corr, as COINr's objective computes it)
#   objectives.csv         per case: COINr's objective at its result, its convergence code and
#                          function evaluations, the defaults used, COINr's version and commit
#
# COINr's objective matches itarg by position to the correlations of weights2corr(), which
# come sorted by code (merge() sorts them), while the weights are in iMeta's order: the
# target of the k-th component in code order is itarg[k]. cases.csv records that mapping
# by code, so that the comparison is of the same problem.
suppressPackageStartupMessages(library(COINr))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/fixtures/coinr_asem"
commit <- if (length(args) >= 2) args[2] else "unknown"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

num <- function(df) {           # full precision, "NA" for missing
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- ifelse(is.na(df[[j]]), "NA", sprintf("%.17g", df[[j]]))
  df
}
write <- function(df, name) write.csv(num(df), file.path(out, name), row.names = FALSE, quote = TRUE)

coin <- build_example_coin(quietly = TRUE)
write(COINr::ASEM_iData, "iData.csv")
write(COINr::ASEM_iMeta, "iMeta.csv")
write(coin$Data$Normalised, "normalised.csv")
aggregates <- coin$Meta$Ind$iCode[!is.na(coin$Meta$Ind$Level) & coin$Meta$Ind$Level > 1]
write(coin$Data$Aggregated[c("uCode", aggregates)], "aggregated.csv")

cases <- list(
  list(name = "pillar_equal", level = 2, itarg = "equal"),
  list(name = "pillar_unequal", level = 2, itarg = c(2, 1, 1, 3, 1, 1, 2, 1)),
  list(name = "subindex_equal", level = 3, itarg = "equal"),
  list(name = "subindex_unequal", level = 3, itarg = c(1, 2))
)
rows <- list(); objectives <- list()
for (case in cases) {
  res <- suppressMessages(get_opt_weights(coin, itarg = case$itarg, dset = "Aggregated", Level = case$level,
                                          out2 = "list"))
  w <- res$WeightsOpt
  at_level <- w[w$Level == case$level, ]
  cr <- COINr:::weights2corr(coin, w = w, dset = "Aggregated", Levels = c(case$level, coin$Meta$maxlev))$cr
  n <- nrow(at_level)
  itarg <- if (is.character(case$itarg)) rep(1, n) else case$itarg
  # the target COINr's objective gives each code: itarg by position over the codes in cr's order
  target <- setNames(itarg / sum(itarg), cr$Var2)
  rows[[case$name]] <- data.frame(case = case$name, level = case$level, code = at_level$iCode,
                                  position = seq_len(n), itarg = itarg,
                                  target = unname(target[at_level$iCode]),
                                  coinr_weight = at_level$Weight,
                                  coinr_correlation = cr$Correlation[match(at_level$iCode, cr$Var2)])
  objectives[[case$name]] <- data.frame(case = case$name, level = case$level, cortype = "pearson",
                                        objective = res$OptResults$value,
                                        convergence = res$OptResults$convergence,
                                        function_evaluations = unname(res$OptResults$counts["function"]),
                                        toler = 0.1, maxiter = 500,
                                        coinr_version = as.character(packageVersion("COINr")),
                                        coinr_commit = commit, r_version = R.version.string)
}
write(do.call(rbind, rows), "cases.csv")
write(do.call(rbind, objectives), "objectives.csv")
print(do.call(rbind, objectives)[, 1:6])
