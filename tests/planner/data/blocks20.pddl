(define (problem bw20-1) (:domain tabletop)
  (:objects b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 b11 b12 b13 b14 b15 b16 b17 b18 b19 b20 - block)
  (:init (hand-empty) (on-table b12) (on b18 b12) (on b20 b18) (on b1 b20) (clear b1) (on-table b6) (on b8 b6) (clear b8) (on-table b10) (on b13 b10) (clear b13) (on-table b17) (on b2 b17) (on b15 b2) (clear b15) (on-table b16) (clear b16) (on-table b7) (clear b7) (on-table b11) (on b14 b11) (clear b14) (on-table b4) (clear b4) (on-table b9) (on b19 b9) (clear b19) (on-table b3) (clear b3) (on-table b5) (clear b5))
  (:goal (and (on b1 b2) (on b16 b1) (on b19 b16) (on b18 b19) (on b5 b18) (on b3 b8) (on b17 b3) (on b12 b17) (on b9 b7) (on b10 b9) (on b4 b10) (on b20 b11) (on b6 b20))))

