// `boilerstrip gen`: writes a sample shard (see boilerstrip/sample.h).
#ifndef BOILERSTRIP_SRC_CLI_GEN_COMMAND_H_
#define BOILERSTRIP_SRC_CLI_GEN_COMMAND_H_

namespace boilerstrip {

// Parses the gen flags (argv holds the arguments after "gen") and writes the sample.
// Returns the process exit status: 0 done, 1 usage or I/O error.
int GenCommand(int argc, char** argv);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_SRC_CLI_GEN_COMMAND_H_
