# COINr's uncertainty analysis of the COINr-shaped case of bench/coinr_case.py, timed.
# Needs R and COINr (install.packages("COINr")); this project's benchmark does not.
#
#   .venv/bin/python bench/coinr_case.py --export /tmp/coinr51
#   Rscript bench/coinr_uncertainty.R /tmp/coinr51
#
# The coin is built as COINr's example coin is (build_example_coin(), without Screen):
# denominate, impute by the group mean, treat (winsorise up to winmax points, else log),
# min-max [1, 100], arithmetic means. The uncertain inputs are those of COINr's
# sensitivity vignette and of the "vignette" inputs of coinr_case.py: winmax 1-5,
# min-max [1, 100] or z-score (10, 2), weights +-25 % on levels 2 and 3, arithmetic or
# geometric mean on every level. Prints the elapsed time of get_sensitivity() at N = 100
# and N = 1000 and the time per replication (system.time, median of 3 runs).
suppressPackageStartupMessages(library(COINr))
args <- commandArgs(trailingOnly = TRUE)
folder <- if (length(args)) args[1] else "/tmp/coinr51"
iData <- read.csv(file.path(folder, "iData.csv"), stringsAsFactors = FALSE)
iMeta <- read.csv(file.path(folder, "iMeta.csv"), stringsAsFactors = FALSE)

coin <- new_coin(iData, iMeta, level_names = c("Indicator", "Pillar", "Sub-index", "Index"), quietly = TRUE)
coin <- Denominate(coin, dset = "Raw")
coin <- Impute(coin, dset = "Denominated", f_i = "i_mean_grp", use_group = "Region")
coin <- Treat(coin, dset = "Imputed", global_specs = list(f1_para = list(winmax = 5)))
coin <- Normalise(coin, dset = "Treated", global_specs = list(f_n = "n_minmax", f_n_para = list(c(1, 100))))
coin <- Aggregate(coin, dset = "Normalised", f_ag = "a_amean")

specs <- function(N) {
  noise <- data.frame(Level = c(2, 3), NoiseFactor = c(0.25, 0.25))
  list(
    Winmax = list(Address = "$Log$Treat$global_specs$f1_para$winmax", Distribution = 1:5, Type = "discrete"),
    Normalisation = list(Address = "$Log$Normalise$global_specs",
                         Distribution = list(list(f_n = "n_minmax", f_n_para = list(c(1, 100))),
                                             list(f_n = "n_zscore", f_n_para = list(c(10, 2)))),
                         Type = "discrete"),
    Weights = list(Address = "$Log$Aggregate$w",
                   Distribution = get_noisy_weights(w = coin$Meta$Weights$Original, noise_specs = noise, Nrep = N),
                   Type = "discrete"),
    Aggregation = list(Address = "$Log$Aggregate$f_ag", Distribution = c("a_amean", "a_gmean"), Type = "discrete"))
}

for (N in c(100, 1000)) {
  SA_specs <- specs(N)
  times <- sapply(1:3, function(i) system.time(
    get_sensitivity(coin, SA_specs = SA_specs, N = N, SA_type = "UA", dset = "Aggregated", iCode = "INDEX",
                    quietly = TRUE, check_addresses = FALSE))[["elapsed"]])
  cat(sprintf("COINr %s, N = %d: median %.2f s (runs: %s); %.4f s per replication\n",
              as.character(packageVersion("COINr")), N, median(times), paste(sprintf("%.2f", times), collapse = ", "),
              median(times) / N))
}
cat(sprintf("machine: %s; %s\n", paste(Sys.info()[c("sysname", "release", "machine")], collapse = " "), R.version.string))
