"""Exercise state: phases, holds, repetitions and form faults from measurements."""
