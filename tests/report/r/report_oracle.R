# Oracle of radhpc report's numbers: per patient (studies in study-id order) the first non-empty
# outcome/time/event and the score (mean of a metadata column over the patient's studies, or
# mean of a feature over the patient's lesions from `radhpc export --metadata`); then pROC
# ci.auc(method = "delong"), survdiff by score >= median score, and the calibration glms.
# signature mode: the score is the mean over the patient's lesions of plogis(INTERCEPT + SLOPE * x)
# and the risk groups are score > THRESHOLD (the signature's class).
# Args: OUT MODE(metadata|feature|signature) CSV SCORE_COLUMN [MANIFEST (endpoints) [INTERCEPT SLOPE THRESHOLD]]
args <- commandArgs(trailingOnly = TRUE)
out_path <- args[1]; mode <- args[2]; csv <- args[3]; score_col <- args[4]
suppressMessages({ library(pROC); library(survival) })
out_names <- character(0); out_values <- numeric(0)
emit <- function(name, v) { out_names <<- c(out_names, name); out_values <<- c(out_values, as.numeric(v)) }
first_value <- function(x) { x <- x[!is.na(x)]; if (length(x)) x[1] else NA }

endpoints_of <- function(m) {
  m <- m[order(m$study_id), ]
  ids <- sort(unique(m$patient_id))
  data.frame(patient_id = ids,
             outcome = sapply(ids, function(p) first_value(m$outcome[m$patient_id == p])),
             time = sapply(ids, function(p) first_value(m$time[m$patient_id == p])),
             event = sapply(ids, function(p) first_value(m$event[m$patient_id == p])))
}
if (mode == "metadata") {
  m <- read.csv(csv, stringsAsFactors = FALSE)
  d <- endpoints_of(m)
  d$score <- sapply(d$patient_id, function(p) mean(m[[score_col]][m$patient_id == p & !is.na(m[[score_col]])]))
} else {
  x <- read.csv(csv, stringsAsFactors = FALSE)
  x <- x[x$perturbation == "none", ]
  if (mode == "signature") x[[score_col]] <- plogis(as.numeric(args[6]) + as.numeric(args[7]) * x[[score_col]])
  d <- endpoints_of(read.csv(args[5], stringsAsFactors = FALSE))
  d$score <- sapply(d$patient_id, function(p) { v <- x[[score_col]][x$patient_id == p]; if (length(v)) mean(v) else NA })
}
scored <- d[!is.na(d$score), ]
r <- roc(scored$outcome[!is.na(scored$outcome)], scored$score[!is.na(scored$outcome)], levels = c(0, 1), direction = "<", quiet = TRUE)
ci <- ci.auc(r, method = "delong", conf.level = 0.95)
emit("auc", ci[2]); emit("auc_lower", ci[1]); emit("auc_upper", ci[3])
emit("cases", length(r$cases)); emit("controls", length(r$controls))
thr <- median(scored$score)
s <- scored[!is.na(scored$time) & !is.na(scored$event), ]
sd <- if (mode == "signature") survdiff(Surv(time, event) ~ I(score > as.numeric(args[8])), data = s) else
        survdiff(Surv(time, event) ~ I(score >= thr), data = s)
emit("threshold", thr); emit("logrank_chisq", sd$chisq)
emit("logrank_p", pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
if (mode != "feature") {
  c <- scored[!is.na(scored$outcome), ]
  lp <- qlogis(c$score)
  ctl <- glm.control(epsilon = 1e-14, maxit = 100)
  slope <- coef(glm(c$outcome ~ lp, family = binomial, control = ctl))
  citl <- coef(glm(c$outcome ~ offset(lp), family = binomial, control = ctl))
  emit("cal_slope", slope[2]); emit("cal_slope_intercept", slope[1]); emit("cal_intercept", citl[1])
}
con <- file(out_path, "w")
writeLines("name,value", con)
writeLines(sprintf("%s,%s", out_names, sprintf("%.17g", out_values)), con)
close(con)
