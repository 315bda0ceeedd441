// `boilerstrip report`: the HTML audit report of what clean would remove (src/report/).
#ifndef BOILERSTRIP_SRC_CLI_REPORT_COMMAND_H_
#define BOILERSTRIP_SRC_CLI_REPORT_COMMAND_H_

namespace boilerstrip::cli {

// Usage of the command, for --help.
extern const char kReportUsage[];

int ReportMain(int argc, char** argv);

}  // namespace boilerstrip::cli

#endif  // BOILERSTRIP_SRC_CLI_REPORT_COMMAND_H_
